"""This machine's copies of the trained priors, so a new checkout need not train them again.

The priors (fit and success; retention) are trained from synthetic data by a fixed recipe:
the same ``ml`` code, pinned libraries and Python give the same model. Once trained, each
is also kept under a key of exactly those inputs in ``PEOPLEOS_PRIOR_CACHE`` (default
``~/.cache/peopleos/priors``); a checkout that misses its file copies it from there instead
of training it (about 30 s of CPU for the two). Any change to ``ml/`` or the requirements
is a new key, so a stale prior is never copied.
"""

from __future__ import annotations

import hashlib
import os
import platform
import shutil
import tempfile
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

import ml

ROOT = Path(__file__).resolve().parents[2]


def cache_root() -> Path:
    given = os.environ.get("PEOPLEOS_PRIOR_CACHE", "").strip()
    if given:
        return Path(given)
    base = os.environ.get("XDG_CACHE_HOME", "").strip() or str(Path.home() / ".cache")
    return Path(base) / "peopleos" / "priors"


@lru_cache(maxsize=1)
def recipe_key() -> str:
    """A digest of what a prior is made of: every file of ``ml/``, the pinned
    requirements and the Python version."""
    digest = hashlib.sha256(platform.python_version().encode())
    package = Path(ml.__file__).resolve().parent
    for path in sorted(package.rglob("*.py")):
        digest.update(path.relative_to(package).as_posix().encode())
        digest.update(path.read_bytes())
    requirements = ROOT / "requirements.txt"
    if requirements.exists():
        digest.update(requirements.read_bytes())
    return digest.hexdigest()[:20]


def cached_file(path: Path) -> Path:
    """Where this machine keeps its copy of the prior ``path`` names."""
    return cache_root() / recipe_key() / path.name


def build(path: Path, train: Callable[[], None]) -> str:
    """Make the prior file ``path`` exist: copied from this machine's cache when the same
    recipe trained it before ("cached"), else trained by ``train()`` (which writes ``path``)
    and then kept in the cache ("trained")."""
    kept = cached_file(path)
    if kept.exists():
        _copy(kept, path)
        return "cached"
    train()
    try:
        _copy(path, kept)
    except OSError:
        pass  # a read-only or full cache only means the next checkout trains again
    return "trained"


def forget(path: Path) -> None:
    """Drop this machine's copy of ``path`` (before training it again on purpose)."""
    cached_file(path).unlink(missing_ok=True)


def _copy(source: Path, target: Path) -> None:
    # Through a temporary file in the target's folder, renamed: a reader (another process
    # of the same run) sees the whole file or none.
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    os.close(handle)
    try:
        shutil.copyfile(source, temporary)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
