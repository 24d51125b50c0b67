"""Settings read once at the entry point (environment variables with the ADVISOR_ prefix)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    """Where state lives and how the advisor behaves; every field has an ADVISOR_ variable."""

    model_config = SettingsConfigDict(env_prefix="ADVISOR_", extra="ignore")

    home: Path = Field(default=REPO_ROOT / ".advisor", description="All state: index, caches, user documents.")
    corpus_dir: Path = Field(default=REPO_ROOT / "corpus", description="Built-in articles and decision data.")
    prompts_dir: Path = Field(default=REPO_ROOT / "prompts", description="Reply templates, loaded by name.")
    chroma_url: str | None = Field(default=None, description="Use a Chroma server (http://host:port) instead of the embedded store.")
    collection: str = "advisor"
    max_questions: int = Field(default=6, ge=1, le=20)
    max_message_chars: int = Field(default=20_000, ge=100)
    top_k: int = Field(default=5, ge=1, le=50)
    allowed_origins: list[str] = Field(default=[], description='Sites that may embed the widget and call the API, e.g. ["https://example.com"].')
    client_rate: str = Field(default="60/minute", description="Requests per client address (limits notation).")
    session_rate: str = Field(default="20/minute", description="Messages per conversation (limits notation).")
    backend: str = Field(default="none", description="Language model: none (offline, default), openai (any OpenAI-compatible server) or llamacpp.")
    llm_base_url: str | None = Field(default=None, description="OpenAI-compatible server, e.g. http://localhost:11434/v1 (Ollama).")
    llm_model: str | None = Field(default=None, description="Model name on that server, e.g. llama3.2 or gpt-4o-mini.")
    llm_api_key: SecretStr | None = Field(default=None, description="API key, if the server needs one.")
    llm_path: Path | None = Field(default=None, description="A local GGUF file for the llamacpp backend.")
    llm_timeout: float = Field(default=20.0, gt=0, le=600, description="Seconds before a model call is abandoned for the offline reply.")
    llm_max_tokens: int = Field(default=300, ge=16, le=4096, description="Longest model reply, in tokens.")

    @property
    def index_dir(self) -> Path:
        """Folder holding the Chroma store, the chunk manifest and caches."""
        return self.home / "index"

    @property
    def db_path(self) -> Path:
        """SQLite file holding conversations."""
        return self.home / "sessions.sqlite3"

    @property
    def docs_dir(self) -> Path:
        """Folder holding documents a site owner added with `advisor ingest PATH`."""
        return self.home / "docs"
