"""A minimal LangChain chat model over llama-cpp-python's `Llama.create_chat_completion` (the `llamacpp` backend)."""

from __future__ import annotations

import threading
from typing import Any, Iterator

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from pydantic import PrivateAttr

_ROLES = {"human": "user", "ai": "assistant", "system": "system"}


class LlamaCppChat(BaseChatModel):
    """A minimal LangChain chat model over `llama_cpp.Llama.create_chat_completion`.

    Written here rather than taken from langchain-community, which is being sunset and pulls in a large tree.
    """

    llama: Any
    max_tokens: int = 300
    _lock: threading.Lock = PrivateAttr(default_factory=threading.Lock)  # one generation at a time per loaded model

    @property
    def _llm_type(self) -> str:
        return "llamacpp"

    def _messages(self, messages: list[BaseMessage]) -> list[dict]:
        return [{"role": _ROLES.get(m.type, "user"), "content": m.content} for m in messages]

    def _generate(self, messages: list[BaseMessage], stop: list[str] | None = None, run_manager: Any = None, **kw: Any) -> ChatResult:
        with self._lock:
            out = self.llama.create_chat_completion(messages=self._messages(messages), temperature=0, stop=stop,
                                                    max_tokens=self.max_tokens)
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=out["choices"][0]["message"]["content"] or ""))])

    def _stream(self, messages: list[BaseMessage], stop: list[str] | None = None, run_manager: Any = None,
                **kw: Any) -> Iterator[ChatGenerationChunk]:
        with self._lock:
            for part in self.llama.create_chat_completion(messages=self._messages(messages), temperature=0, stop=stop, stream=True,
                                                          max_tokens=self.max_tokens):
                if text := part["choices"][0]["delta"].get("content") or "":
                    yield ChatGenerationChunk(message=AIMessageChunk(content=text))
