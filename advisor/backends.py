"""Language-model backends, picked by name: each builds the LangChain chat model the advisor talks to (or none)."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any, ClassVar

from .errors import BackendError
from .settings import Settings

if TYPE_CHECKING:  # imported only by the backends that build a model: the offline default stays light at start-up
    from langchain_core.language_models import BaseChatModel


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

    def chat_model(self) -> "BaseChatModel | None":
        raise NotImplementedError


class NoBackend(Backend):
    """The default: no language model, every reply from the templates."""

    name = "none"

    def chat_model(self) -> None:
        return None


class OpenAIBackend(Backend):
    """Any OpenAI-compatible server (OpenAI, Ollama's /v1, vLLM, llama.cpp's server) through langchain-openai."""

    name = "openai"

    def chat_model(self) -> "BaseChatModel":
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

    def chat_model(self) -> "BaseChatModel":
        s = self.settings
        if not s.llm_path or not s.llm_path.is_file():
            raise BackendError(f"ADVISOR_BACKEND=llamacpp needs ADVISOR_LLM_PATH set to a .gguf file (got {s.llm_path}).")
        llama_cpp = _require("llama_cpp", "llamacpp")
        from .llamacpp_chat import LlamaCppChat

        llama = llama_cpp.Llama(model_path=str(s.llm_path), n_ctx=4096, verbose=False)
        return LlamaCppChat(llama=llama, max_tokens=s.llm_max_tokens)


BACKENDS: dict[str, type[Backend]] = {cls.name: cls for cls in (NoBackend, OpenAIBackend, LlamaCppBackend)}


def get_backend(settings: Settings) -> Backend:
    """The backend named by ADVISOR_BACKEND."""
    try:
        return BACKENDS[settings.backend](settings)
    except KeyError:
        raise BackendError(f"Unknown backend '{settings.backend}'; set ADVISOR_BACKEND to one of: {', '.join(BACKENDS)}.") from None
