"""Model artifacts on local disk: written atomically, read back with a type check."""

from __future__ import annotations

import os
import pickle
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")


def dump(obj: object, path: Path) -> None:
    """Write ``obj`` to ``path`` atomically (a reader never sees half a file, and two
    processes writing at once each write their own partial file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(f"{path.suffix}.{os.getpid()}.partial")
    with partial.open("wb") as fh:
        pickle.dump(obj, fh, protocol=pickle.HIGHEST_PROTOCOL)
    partial.replace(path)


def load(path: Path, kind: type[T], what: str) -> T:
    """An artifact written by :func:`dump` that must be a ``kind`` (local artifacts only:
    pickle trusts its input)."""
    with path.open("rb") as fh:
        obj = pickle.load(fh)  # noqa: S301 - our own artifact under data/local
    if not isinstance(obj, kind):
        raise TypeError(f"{path} does not hold {what}")
    return obj
