"""Shipped reference data (skills taxonomy, role library) and reference job postings,
loaded once per process."""

from __future__ import annotations

import csv
from functools import lru_cache
from pathlib import Path

from core.config import PROJECT_ROOT, get_settings
from ml.resume import Taxonomy
from ml.roles import Posting, RoleLibrary, library_postings, postings_from_rows

_DATA = PROJECT_ROOT / "data"


@lru_cache(maxsize=1)
def taxonomy() -> Taxonomy:
    return Taxonomy.load(_DATA / "skills_taxonomy.json")


@lru_cache(maxsize=1)
def role_library() -> RoleLibrary:
    return RoleLibrary.load(_DATA / "role_library.json")


def read_postings_csv(path: Path) -> list[Posting]:
    """Postings from a CSV in the Google job-skills layout (see README, PEOPLEOS_JD_CORPUS)."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return postings_from_rows(list(csv.DictReader(handle)), source=path.stem)


def reference_postings() -> list[Posting]:
    """The library's postings plus the configured corpus (PEOPLEOS_JD_CORPUS), if any."""
    postings = library_postings(role_library())
    corpus = get_settings().jd_corpus
    if corpus is not None:
        postings += read_postings_csv(corpus)
    return postings
