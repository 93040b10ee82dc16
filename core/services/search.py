"""Semantic candidate search and "similar candidates" over stored MiniLM embeddings.

Each company has its own FAISS index under data/local/indexes, rebuilt from the database
whenever it is missing or its fingerprint no longer matches the stored embeddings.
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
from core.repositories.candidates import CandidateRepository
from core.repositories.intake import EmbeddingRepository
from core.services.auth import Actor
from core.services.errors import NotFoundError, ValidationError
from ml.search import IndexFileError, VectorIndex, fingerprint

EMBED_CHARS = 2000  # the start of a resume says most; MiniLM reads 256 tokens anyway


@dataclass(frozen=True)
class SearchHit:
    candidate_id: uuid.UUID
    full_name: str | None
    status: str
    role_title: str | None
    score: float


def embed_missing(
    uow: UnitOfWork, encoder: Any, now: datetime, company_id: uuid.UUID | None = None
) -> int:
    """Embed every candidate's resume that has no embedding yet; returns how many."""
    with uow:
        repo = EmbeddingRepository(uow.session)
        pending = repo.missing(company_id)
        if pending:
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
    return len(pending)


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
    index_dir: Path | None = None,
) -> list[SearchHit]:
    """Candidates whose resumes mean what ``query`` says, best first (visible ones only)."""
    actor.require(Permission.VIEW_CANDIDATES)
    text = query.strip()
    if not 3 <= len(text) <= 300:
        raise ValidationError("Describe who you are looking for in 3 to 300 characters.")
    vector = encoder.encode([text])[0]
    with uow:
        index = company_index(uow, actor.company_id, index_dir)
        if index is None:
            return []
        hits = index.search(vector, k=min(len(index), k * 3))
        return _visible(uow, actor, hits, k)


def similar_candidates(
    uow: UnitOfWork,
    actor: Actor,
    candidate_id: uuid.UUID,
    *,
    k: int = 5,
    index_dir: Path | None = None,
) -> list[SearchHit]:
    actor.require(Permission.VIEW_CANDIDATES)
    with uow:
        index = company_index(uow, actor.company_id, index_dir)
        if index is None or str(candidate_id) not in index:
            return []
        if CandidateRepository(uow.session).get(actor.company_id, candidate_id) is None:
            raise NotFoundError("Candidate not found.")
        return _visible(uow, actor, index.similar(str(candidate_id), k=k * 3), k)


def _visible(
    uow: UnitOfWork, actor: Actor, hits: list[tuple[str, float]], k: int
) -> list[SearchHit]:
    repo = CandidateRepository(uow.session)
    interviewer = None if actor.can(Permission.VIEW_ALL_CANDIDATES) else actor.user_id
    out: list[SearchHit] = []
    for cid, score in hits:
        candidate_id = uuid.UUID(cid)
        candidate = repo.get(actor.company_id, candidate_id)
        if candidate is None or (
            interviewer is not None
            and not repo.is_interviewed_by(actor.company_id, candidate_id, interviewer)
        ):
            continue
        out.append(
            SearchHit(
                candidate_id,
                candidate.full_name,
                candidate.status,
                repo.role_title(candidate),
                round(score, 3),
            )
        )
        if len(out) == k:
            break
    return out
