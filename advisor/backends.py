"""Language-model backends, picked by name: each builds the LangChain chat model the advisor talks to (or none)."""

from __future__ import annotations

import importlib
import threading
from typing import Any, ClassVar, Iterator

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from pydantic import PrivateAttr

from .errors import BackendError
from .settings import Settings


def _require(module: str, extra: str) -> Any:
    """Import an optional dependency, or say which extra installs it."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise BackendError(f"The '{extra}' backend needs the package '{module}': pip install 'revenue-advisor[{extra}]'") from exc


class Backend:
    """A language-model backend: one method, `chat_model()`, returning a LangChain chat model or None (offline)."""

    name: ClassVar[str]

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def chat_model(self) -> BaseChatModel | None:
        raise NotImplementedError


class NoBackend(Backend):
    """The default: no language model, every reply from the templates."""

    name = "none"

    def chat_model(self) -> None:
        return None


class OpenAIBackend(Backend):
    """Any OpenAI-compatible server (OpenAI, Ollama's /v1, vLLM, llama.cpp's server) through langchain-openai."""

    name = "openai"

    def chat_model(self) -> BaseChatModel:
        s = self.settings
        if not s.llm_model:
            raise BackendError("ADVISOR_BACKEND=openai needs ADVISOR_LLM_MODEL (e.g. gpt-4o-mini, or llama3.2 on Ollama).")
        openai = _require("langchain_openai", "openai")
        key = s.llm_api_key.get_secret_value() if s.llm_api_key else "not-needed"  # local servers accept any key
        # `max_tokens` goes in the body as is: langchain-openai would send `max_completion_tokens`, which llama.cpp's
        # server and older OpenAI-compatible servers ignore (they then write until the context is full).
        return openai.ChatOpenAI(model=s.llm_model, base_url=s.llm_base_url, api_key=key, timeout=s.llm_timeout,
                                 max_retries=0, temperature=0, extra_body={"max_tokens": s.llm_max_tokens})


class LlamaCppBackend(Backend):
    """A local GGUF file run in-process by llama-cpp-python."""

    name = "llamacpp"

    def chat_model(self) -> BaseChatModel:
        s = self.settings
        if not s.llm_path or not s.llm_path.is_file():
            raise BackendError(f"ADVISOR_BACKEND=llamacpp needs ADVISOR_LLM_PATH set to a .gguf file (got {s.llm_path}).")
        llama_cpp = _require("llama_cpp", "llamacpp")
        llama = llama_cpp.Llama(model_path=str(s.llm_path), n_ctx=4096, verbose=False)
        return LlamaCppChat(llama=llama, max_tokens=s.llm_max_tokens)


BACKENDS: dict[str, type[Backend]] = {cls.name: cls for cls in (NoBackend, OpenAIBackend, LlamaCppBackend)}


def get_backend(settings: Settings) -> Backend:
    """The backend named by ADVISOR_BACKEND."""
    try:
        return BACKENDS[settings.backend](settings)
    except KeyError:
        raise BackendError(f"Unknown backend '{settings.backend}'; set ADVISOR_BACKEND to one of: {', '.join(BACKENDS)}.") from None


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
