"""The MiniLM embedder on onnxruntime: the same vectors as sentence-transformers, no torch in
the processes that embed, and a plain error when the graph cannot be made."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from ml import embeddings
from ml.embeddings import DIMENSIONS, Embedder, EmbedderUnavailable

ROOT = Path(__file__).resolve().parents[1]

TEXTS = [
    "Senior backend engineer: Python, PostgreSQL, payments at scale.",
    "",
    "a",
    "Ünïcödé résumé — naïve café, 東京, emoji 🚀",
    # Longer than the model's 256 tokens: truncated the same way.
    "Led the platform team through three reorganisations and a migration. " * 60,
    *[
        f"Designer {i}: research, prototyping and accessibility audits." * (i % 4 + 1)
        for i in range(40)
    ],
]


@pytest.mark.slow
def test_vectors_match_sentence_transformers() -> None:
    from sentence_transformers import SentenceTransformer

    reference = SentenceTransformer(str(embeddings.model_dir()), device="cpu").encode(
        TEXTS, batch_size=32, normalize_embeddings=True, show_progress_bar=False
    )
    vectors = Embedder().encode(TEXTS)
    assert vectors.shape == (len(TEXTS), DIMENSIONS)
    assert vectors.dtype == np.float32
    assert np.abs(vectors - reference).max() < 1e-5
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_each_vector_is_its_own_text_whatever_the_batch() -> None:
    # Texts are sorted by length into batches; every vector must come back to its text.
    embedder = Embedder()
    together = embedder.encode(TEXTS[:20])
    alone = np.vstack([embedder.encode([text]) for text in TEXTS[:20]])
    assert np.abs(together - alone).max() < 1e-5
    assert embedder.encode([]).shape == (0, DIMENSIONS)


def test_embedding_never_imports_torch() -> None:
    # The web app and the worker embed without torch (hundreds of MB) in memory.
    probe = (
        "import sys; from ml.embeddings import Embedder; Embedder().encode(['hello']); "
        "print('torch' in sys.modules, 'transformers' in sys.modules)"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert done.stdout.split() == ["False", "False"]


@pytest.mark.slow
def test_a_failed_export_says_so_and_leaves_no_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(embeddings, "model_dir", lambda: tmp_path / "no-model")
    target = tmp_path / "cache" / "graph.onnx"
    with pytest.raises(EmbedderUnavailable, match="exporting all-MiniLM-L6-v2 to ONNX failed"):
        embeddings.ensure_onnx(target)
    assert not target.exists()
    assert [p.name for p in target.parent.iterdir()] == ["graph.lock"]
