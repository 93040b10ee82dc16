"""Model artifacts: bytes with a sha256 (stored in the registry), local files written
atomically, both read back with a type check."""

from __future__ import annotations

import hashlib
import os
import pickle
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")


def dump(obj: object, path: Path) -> None:
    """Write ``obj`` to ``path`` atomically."""
    write_bytes(dumps(obj), path)


def dumps(obj: object) -> bytes:
    """The bytes of ``obj`` as an artifact (what :func:`dump` writes)."""
    return pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)


def sha256(data: bytes) -> str:
    """The hex sha256 checksum an artifact is stored and checked with."""
    return hashlib.sha256(data).hexdigest()


def write_bytes(data: bytes, path: Path) -> None:
    """Write artifact bytes to ``path`` atomically (a reader never sees half a file, and
    two processes writing at once each write their own partial file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(f"{path.suffix}.{os.getpid()}.partial")
    partial.write_bytes(data)
    partial.replace(path)


def loads(data: bytes, kind: type[T], what: str) -> T:
    """An artifact from its bytes, that must be a ``kind`` (only bytes whose checksum the
    caller has checked against the registry: pickle trusts its input)."""
    obj = pickle.loads(data)  # noqa: S301 - our own artifact, checksum checked by the caller
    if not isinstance(obj, kind):
        raise TypeError(f"the artifact does not hold {what}")
    return obj


def load(path: Path, kind: type[T], what: str) -> T:
    """An artifact written by :func:`dump` that must be a ``kind`` (local artifacts only:
    pickle trusts its input)."""
    with path.open("rb") as fh:
        obj = pickle.load(fh)  # noqa: S301 - our own artifact under data/local
    if not isinstance(obj, kind):
        raise TypeError(f"{path} does not hold {what}")
    return obj
