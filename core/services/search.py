"""Semantic candidate search and "similar candidates" over stored MiniLM embeddings.

Each company has its own FAISS index under data/local/indexes, rebuilt from the database
whenever it is missing or its fingerprint no longer matches the stored embeddings. Pages
keep a loaded index per company and :func:`index_version` (a cheap count and newest change)
tells them when to load it again, so a search reads no vectors from the database.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np

from core.config import get_settings
from core.db import UnitOfWork
from core.models import CandidateEmbedding
from core.permissions import Permission
from core.repositories.candidates import CandidateFilter, CandidateRepository
from core.repositories.intake import EmbeddingRepository
from core.services.auth import Actor
from core.services.errors import ValidationError
from core.services.scope import interviewer_scope, is_visible
from ml.search import IndexFileError, VectorIndex, fingerprint

EMBED_CHARS = 2000  # the start of a resume says most; MiniLM reads 256 tokens anyway
# A hit below this cosine is not shown. Measured on a demo world (109 resumes): queries that
# describe no one there ("pastry chef", "tractor mechanic", "opera singer", ...) reach 0.34 at
# best, while queries describing its people reach 0.38 to 0.66 with their best hits
# (tests/test_semantic_search.py checks both sides on the test world).
MIN_RELEVANCE = 0.35
MIN_RELEVANCE_PERCENT = round(100 * MIN_RELEVANCE)


@dataclass(frozen=True)
class SearchHit:
    candidate_id: uuid.UUID
    full_name: str | None
    status: str
    role_title: str | None
    score: float

    @property
    def percent(self) -> int:
        return round(100 * self.score)


def embed_missing(
    uow: UnitOfWork,
    encoder: Any,
    now: datetime,
    company_id: uuid.UUID | None = None,
    *,
    batch_size: int = 256,
    progress: Any | None = None,
) -> int:
    """Embed every candidate's resume that has no embedding yet; returns how many.

    One transaction per batch: a stop part-way keeps the batches already embedded, and
    running it again carries on where it stopped. ``progress(done)`` is told after each.
    """
    done = 0
    while True:
        with uow:
            repo = EmbeddingRepository(uow.session)
            pending = repo.missing(company_id, limit=batch_size)
            if not pending:
                return done
            texts = [c.resume_text[:EMBED_CHARS] for c in pending]
            vectors = encoder.encode(texts)
            for candidate, vector in zip(pending, vectors, strict=True):
                repo.save(
                    CandidateEmbedding(
                        candidate_id=candidate.id,
                        company_id=candidate.company_id,
                        model=encoder.name,
                        vector=np.asarray(vector, np.float32).tobytes(),
                        text_sha256=hashlib.sha256(candidate.resume_text.encode()).hexdigest(),
                        updated_at=now,
                    )
                )
            uow.commit()
        done += len(pending)
        if progress is not None:
            progress(done)


def index_version(uow: UnitOfWork, company_id: uuid.UUID) -> tuple[int, str]:
    """How many embeddings the company has and when the newest changed (cheap to ask)."""
    with uow:
        count, newest = EmbeddingRepository(uow.session).version(company_id)
    return count, newest.isoformat() if newest else ""


def load_index(uow: UnitOfWork, actor: Actor, folder: Path | None = None) -> VectorIndex | None:
    """The actor's company's index, to keep for searches until :func:`index_version` moves.

    It is the whole company's (ids and vectors, no names, text or scores): the UI keeps one
    per company for all its users and never shows it; every search narrows its hits to the
    candidates the searching actor may see.
    """
    actor.require(Permission.VIEW_CANDIDATES)
    with uow:
        return company_index(uow, actor.company_id, folder)


def company_index(
    uow: UnitOfWork, company_id: uuid.UUID, folder: Path | None
) -> VectorIndex | None:
    """The company's FAISS index over its stored embeddings (None if it has none).

    Loaded from ``folder`` when its fingerprint matches, otherwise rebuilt and saved.
    Call it inside an open unit of work.
    """
    rows = EmbeddingRepository(uow.session).for_company(company_id)
    if not rows:
        return None
    ids = [str(cid) for cid, _ in rows]
    vectors = np.vstack([np.frombuffer(v, dtype=np.float32) for _, v in rows])
    path = (folder or get_settings().local_dir / "indexes") / f"{company_id}.faiss"
    try:
        index = VectorIndex.load(path)
        if index.fingerprint_ == fingerprint(ids, vectors):
            return index
    except (FileNotFoundError, IndexFileError):
        pass
    index = VectorIndex().fit(ids, vectors)
    path.parent.mkdir(parents=True, exist_ok=True)
    index.save(path)
    return index


def semantic_search(
    uow: UnitOfWork,
    actor: Actor,
    encoder: Any,
    query: str,
    *,
    k: int = 10,
    index: VectorIndex | None = None,
    index_dir: Path | None = None,
    min_relevance: float = MIN_RELEVANCE,
) -> list[SearchHit]:
    """Candidates whose resumes mean what ``query`` says, best first (visible ones only).

    Only hits at ``min_relevance`` or above: a list of weak matches reads as an answer.
    ``index`` is the company's index as kept by the caller (from :func:`load_index`).
    """
    actor.require(Permission.VIEW_CANDIDATES)
    text = query.strip()
    if not 3 <= len(text) <= 300:
        raise ValidationError("Describe who you are looking for in 3 to 300 characters.")
    vector = encoder.encode([text])[0]
    with uow:
        index = index if index is not None else company_index(uow, actor.company_id, index_dir)
        if index is None:
            return []
        hits = [h for h in index.search(vector, k=min(len(index), k * 3)) if h[1] >= min_relevance]
        return _visible(uow, actor, hits, k)


def similar_candidates(
    uow: UnitOfWork,
    actor: Actor,
    candidate_id: uuid.UUID,
    *,
    k: int = 5,
    index: VectorIndex | None = None,
    index_dir: Path | None = None,
) -> list[SearchHit]:
    """The visible candidates whose resumes read most like ``candidate_id``'s, best first.

    "Who resembles this person" says something about them: for a candidate the actor may
    not see (an interviewer's colleague's candidate) the answer is the one an unknown id
    gets, none.
    """
    actor.require(Permission.VIEW_CANDIDATES)
    with uow:
        if not is_visible(uow.session, actor, candidate_id):
            return []
        index = index if index is not None else company_index(uow, actor.company_id, index_dir)
        if index is None or str(candidate_id) not in index:
            return []
        return _visible(uow, actor, index.similar(str(candidate_id), k=k * 3), k)


def _visible(
    uow: UnitOfWork, actor: Actor, hits: list[tuple[str, float]], k: int
) -> list[SearchHit]:
    """The hits the actor may see (interviewers: the candidates they interview), in order."""
    assert uow.session is not None
    ids = [uuid.UUID(cid) for cid, _ in hits]
    f = CandidateFilter(interviewer_id=interviewer_scope(actor))
    found = CandidateRepository(uow.session).list_with_roles(actor.company_id, ids, f)
    out: list[SearchHit] = []
    for candidate_id, (_, score) in zip(ids, hits, strict=True):
        if candidate_id not in found:
            continue
        candidate, title = found[candidate_id]
        out.append(
            SearchHit(candidate_id, candidate.full_name, candidate.status, title, round(score, 3))
        )
        if len(out) == k:
            break
    return out
