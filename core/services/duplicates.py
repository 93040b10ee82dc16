"""Duplicate candidates: find them (same email, same resume, near-identical resume) and merge.

A merge folds one candidate into another: the survivor takes over the duplicate's files,
consents, stage history, interviews, scores, hire and self-identification, keeps a snapshot
of the merged row, and the duplicate is deleted. A person chooses which one survives.
"""

from __future__ import annotations

import hashlib
import math
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from itertools import combinations
from pathlib import Path
from typing import Any

import numpy as np

from core.db import UnitOfWork
from core.models import Candidate, CandidateMerge, CandidateStageEvent
from core.permissions import Permission
from core.repositories.audit import AuditRepository
from core.repositories.candidates import CandidateRepository
from core.repositories.duplicates import DuplicateRepository
from core.services.auth import Actor
from core.services.errors import NotFoundError, ValidationError
from core.services.scope import ensure_visible, visible_candidate
from core.services.search import company_index

DEFAULT_THRESHOLD = 0.97
MIN_THRESHOLD = 0.90
SAME_EMAIL = "same_email"
NEAR_IDENTICAL_RESUME = "near_identical_resume"
# Evidence for a pair and its weight in the ordering: an email or a byte-identical file
# says "same person" more surely than a resume that merely reads the same.
EVIDENCE_WEIGHTS = {
    "same email": 3,
    "same resume file": 3,
    "same resume text": 2,
    "similar resume": 1,
}
# How far along the pipeline a stage is; the suggested survivor is the one further along.
_PROGRESS = {"rejected": 0, "applied": 1, "screening": 2, "interview": 3, "offer": 4, "hired": 5}
_EXCERPT_LINES = 12
_EXCERPT_CHARS = 1200

PairKey = tuple[uuid.UUID, uuid.UUID]


@dataclass(frozen=True)
class DuplicateCandidate:
    id: uuid.UUID
    full_name: str | None
    email: str
    role_title: str | None
    status: str
    applied_at: datetime


@dataclass(frozen=True)
class DuplicatePair:
    """Two candidates that look like one person; ``first`` is the one suggested to keep."""

    first: DuplicateCandidate
    second: DuplicateCandidate
    reason: str  # same_email or near_identical_resume
    evidence: tuple[str, ...]  # keys of EVIDENCE_WEIGHTS, strongest first
    similarity: float | None  # cosine of the resume embeddings (1.0 for identical resumes)

    @property
    def suggested_keep(self) -> uuid.UUID:
        return self.first.id


@dataclass(frozen=True)
class CandidateSide:
    """One candidate of a pair, for a side-by-side comparison."""

    id: uuid.UUID
    full_name: str | None
    email: str
    role_title: str | None
    status: str
    applied_at: datetime
    reference: str | None
    skills: list[str]
    resume_excerpt: str | None


@dataclass(frozen=True)
class MergeResult:
    survivor_id: uuid.UUID
    merged_id: uuid.UUID
    reason: str
    similarity: float | None
    moved: dict[str, int]


@dataclass(frozen=True)
class MergeRecord:
    merged_candidate_id: uuid.UUID
    merged_name: str | None
    merged_email: str | None
    merged_reference: str | None
    reason: str
    similarity: float | None
    actor: str
    merged_at: datetime


def _check_threshold(threshold: float) -> None:
    if not (isinstance(threshold, int | float) and math.isfinite(threshold)) or not (
        MIN_THRESHOLD <= threshold <= 1.0
    ):
        raise ValidationError(
            f"Choose a similarity threshold between {MIN_THRESHOLD:.2f} and 1.00."
        )


def _normalised(text: str | None) -> str:
    """Resume text with case and whitespace ignored (a re-export of the same file)."""
    return " ".join((text or "").split()).lower()


def _key(a: uuid.UUID, b: uuid.UUID) -> PairKey:
    return (a, b) if str(a) < str(b) else (b, a)


def _cosine(a: np.ndarray, b: np.ndarray) -> float:
    norms = float(np.linalg.norm(a) * np.linalg.norm(b))
    return 0.0 if norms == 0 else float(np.dot(a, b) / norms)


def _keep_order(candidate: Candidate) -> tuple[int, datetime, str]:
    """Sort key putting the better survivor first: further along, then older."""
    return (-_PROGRESS.get(candidate.status, 0), candidate.created_at, str(candidate.id))


def find_duplicates(
    uow: UnitOfWork,
    actor: Actor,
    *,
    threshold: float = DEFAULT_THRESHOLD,
    index_dir: Path | None = None,
) -> list[DuplicatePair]:
    """Pairs of the company's candidates that look like one person, strongest first."""
    actor.require(Permission.MERGE_CANDIDATES)
    _check_threshold(threshold)
    company_id = actor.company_id
    evidence: dict[PairKey, set[str]] = defaultdict(set)
    similarity: dict[PairKey, float] = {}
    with uow:
        repo = DuplicateRepository(uow.session)
        for label, groups in (
            ("same email", repo.same_email_groups(company_id)),
            ("same resume file", repo.same_document_groups(company_id)),
            ("same resume text", _same_text_groups(repo.resume_texts(company_id))),
        ):
            for group in groups:
                for a, b in combinations(group, 2):
                    evidence[_key(a, b)].add(label)
        index = company_index(uow, company_id, index_dir)
        if index is not None:
            for id_ in index.ids_:
                for other, score in index.near_duplicates(
                    index.vector(id_), threshold, exclude={id_}
                ):
                    key = _key(uuid.UUID(id_), uuid.UUID(other))
                    evidence[key].add("similar resume")
                    similarity[key] = max(score, similarity.get(key, score))
            for a, b in evidence.keys() - similarity.keys():
                if str(a) in index and str(b) in index:
                    similarity[(a, b)] = _cosine(index.vector(str(a)), index.vector(str(b)))
        for key, found in evidence.items():
            if key not in similarity and found & {"same resume file", "same resume text"}:
                similarity[key] = 1.0
        people = repo.with_role_titles(company_id, sorted({i for key in evidence for i in key}))
    pairs = [
        _pair(people[a], people[b], evidence[(a, b)], similarity.get((a, b)))
        for a, b in evidence
        if a in people and b in people and not _linked(people[a][0], people[b][0])
    ]
    pairs.sort(
        key=lambda p: (
            -sum(EVIDENCE_WEIGHTS[e] for e in p.evidence),
            -(p.similarity or 0.0),
            p.first.applied_at,
            str(p.first.id),
            str(p.second.id),
        )
    )
    return pairs


def _linked(a: Candidate, b: Candidate) -> bool:
    """One person's applications to two different roles: linked on purpose, not duplicates."""
    return a.person_id == b.person_id and a.role_id != b.role_id


def _same_text_groups(texts: list[tuple[uuid.UUID, str]]) -> list[list[uuid.UUID]]:
    groups: dict[str, list[uuid.UUID]] = defaultdict(list)
    for candidate_id, text in texts:
        normalised = _normalised(text)
        if normalised:
            groups[hashlib.sha256(normalised.encode()).hexdigest()].append(candidate_id)
    return [ids for ids in groups.values() if len(ids) > 1]


def _pair(
    a: tuple[Candidate, str | None],
    b: tuple[Candidate, str | None],
    evidence: set[str],
    similarity: float | None,
) -> DuplicatePair:
    keep, other = sorted((a, b), key=lambda row: _keep_order(row[0]))
    return DuplicatePair(
        first=_summary(*keep),
        second=_summary(*other),
        reason=SAME_EMAIL if "same email" in evidence else NEAR_IDENTICAL_RESUME,
        evidence=tuple(sorted(evidence, key=lambda e: (-EVIDENCE_WEIGHTS[e], e))),
        similarity=None if similarity is None else round(min(1.0, similarity), 4),
    )


def _summary(candidate: Candidate, role_title: str | None) -> DuplicateCandidate:
    return DuplicateCandidate(
        candidate.id,
        candidate.full_name,
        candidate.email,
        role_title,
        candidate.status,
        candidate.created_at,
    )


def compare_candidates(
    uow: UnitOfWork, actor: Actor, first_id: uuid.UUID, second_id: uuid.UUID
) -> tuple[CandidateSide, CandidateSide]:
    """Two candidates side by side for a merge decision; both views are audited."""
    actor.require(Permission.MERGE_CANDIDATES)
    with uow:
        people = DuplicateRepository(uow.session).with_role_titles(
            actor.company_id, [first_id, second_id]
        )
        if first_id not in people or second_id not in people:
            raise NotFoundError("Candidate not found.")
        for candidate, _ in people.values():
            ensure_visible(uow.session, actor, candidate)
        sides = (_side(*people[first_id]), _side(*people[second_id]))
        audit = AuditRepository(uow.session)
        for side in sides:
            audit.add(
                **actor.audit_fields(),
                action="candidate.viewed",
                entity_type="candidate",
                entity_id=str(side.id),
                summary={"context": "duplicates"},
            )
        uow.commit()
    return sides


def _side(candidate: Candidate, role_title: str | None) -> CandidateSide:
    text = candidate.resume_text
    excerpt = None
    if text:
        excerpt = "\n".join(text.strip().splitlines()[:_EXCERPT_LINES])[:_EXCERPT_CHARS]
    return CandidateSide(
        id=candidate.id,
        full_name=candidate.full_name,
        email=candidate.email,
        role_title=role_title,
        status=candidate.status,
        applied_at=candidate.created_at,
        reference=candidate.reference,
        skills=list((candidate.resume_profile or {}).get("skills", [])),
        resume_excerpt=excerpt,
    )


def merge_candidates(
    uow: UnitOfWork,
    actor: Actor,
    survivor_id: uuid.UUID,
    duplicate_id: uuid.UUID,
    *,
    reason: str,
    now: datetime,
    threshold: float = DEFAULT_THRESHOLD,
) -> MergeResult:
    """Fold ``duplicate_id`` into ``survivor_id`` in one transaction, keeping its history.

    Refused, with nothing changed, unless the two share an email, a resume file or text, or
    have resume embeddings at least ``threshold`` alike.
    """
    actor.require(Permission.MERGE_CANDIDATES)
    _check_threshold(threshold)
    note = reason.strip()
    if not note or len(note) > 1000:
        raise ValidationError("Give a reason for the merge (up to 1,000 characters).")
    if survivor_id == duplicate_id:
        raise ValidationError("Choose two different candidates to merge.")
    company_id = actor.company_id
    with uow:
        repo = DuplicateRepository(uow.session)
        candidates = CandidateRepository(uow.session)
        survivor = visible_candidate(uow.session, actor, survivor_id)
        duplicate = visible_candidate(uow.session, actor, duplicate_id)
        if _linked(survivor, duplicate):
            raise ValidationError(
                "These are one person's applications to two different roles; they stay "
                "separate and linked. Nothing was merged."
            )
        match, similarity = _match(repo, company_id, survivor, duplicate, threshold)
        if match is None:
            raise ValidationError(
                "These candidates do not look like duplicates: different emails and "
                f"resumes less than {threshold:.0%} alike. Nothing was merged."
            )
        survivor_hire = repo.hire(company_id, survivor.id)
        duplicate_hire = repo.hire(company_id, duplicate.id)
        if survivor_hire is not None and duplicate_hire is not None:
            raise ValidationError(
                "Both candidates have a hire record; merging would lose one. Nothing was merged."
            )
        if duplicate_hire is not None and survivor.status != "hired":
            raise ValidationError(
                f"{_label(duplicate)} was hired; keep that candidate and merge the other "
                "into it. Nothing was merged."
            )
        snapshot = _snapshot(duplicate)
        # The duplicate's other applications now belong to the survivor's person.
        candidates.relink_person(company_id, duplicate.person_id, survivor.person_id)
        takes_resume = not survivor.resume_text and bool(duplicate.resume_text)
        moved = repo.move_history(
            company_id,
            duplicate.id,
            survivor.id,
            hire=duplicate_hire is not None,
            self_id=repo.self_id(company_id, survivor.id) is None,
            embedding=takes_resume and repo.embedding(company_id, survivor.id) is None,
        )
        for field in ("full_name", "linkedin_url", "resume_text", "resume_profile"):
            if not getattr(survivor, field):
                setattr(survivor, field, getattr(duplicate, field))
        survivor.updated_at = now
        repo.delete_candidate(company_id, duplicate)
        merged_ref = duplicate.reference or str(duplicate.id)[:8]
        repo.add(
            CandidateStageEvent(
                company_id=company_id,
                candidate_id=survivor.id,
                from_status=survivor.status,
                to_status=survivor.status,
                reason=f"merged duplicate {merged_ref}: {note}",
                reason_code=f"merge:{match}",
                actor=actor.username,
                created_at=now,
            ),
            CandidateMerge(
                company_id=company_id,
                survivor_id=survivor.id,
                merged_candidate_id=duplicate.id,
                reason=match,
                similarity=similarity,
                actor=actor.username,
                snapshot=snapshot,
                created_at=now,
            ),
        )
        AuditRepository(uow.session).add(
            **actor.audit_fields(),
            action="candidate.merged_duplicate",
            entity_type="candidate",
            entity_id=str(survivor.id),
            summary={
                "merged_id": str(duplicate.id),
                "reason": match,
                "similarity": similarity,
                "moved": {k: v for k, v in moved.items() if v},
            },
        )
        uow.commit()
    return MergeResult(survivor.id, duplicate.id, match, similarity, moved)


def _match(
    repo: DuplicateRepository,
    company_id: uuid.UUID,
    survivor: Candidate,
    duplicate: Candidate,
    threshold: float,
) -> tuple[str | None, float | None]:
    """Why two candidates are duplicates (None if they are not), and their similarity."""
    same_email = survivor.email.strip().lower() == duplicate.email.strip().lower()
    same_file = bool(
        repo.document_hashes(company_id, survivor.id)
        & repo.document_hashes(company_id, duplicate.id)
    )
    text = _normalised(survivor.resume_text)
    same_text = bool(text) and text == _normalised(duplicate.resume_text)
    similarity: float | None = None
    one = repo.embedding(company_id, survivor.id)
    two = repo.embedding(company_id, duplicate.id)
    if one is not None and two is not None and one.model == two.model:
        a = np.frombuffer(one.vector, dtype=np.float32)
        b = np.frombuffer(two.vector, dtype=np.float32)
        if a.shape == b.shape:
            similarity = round(min(1.0, _cosine(a, b)), 4)
    if similarity is None and (same_file or same_text):
        similarity = 1.0
    if same_email:
        return SAME_EMAIL, similarity
    if same_file or same_text or (similarity is not None and similarity >= threshold):
        return NEAR_IDENTICAL_RESUME, similarity
    return None, similarity


def _label(candidate: Candidate) -> str:
    return candidate.full_name or candidate.reference or "The other candidate"


def _json_safe(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    if isinstance(value, bytes):
        return None  # file contents stay out of the snapshot
    return value


def _snapshot(candidate: Candidate) -> dict[str, Any]:
    """The candidate's columns as JSON-safe values (the files stay in candidate_documents)."""
    return {
        column.key: _json_safe(getattr(candidate, column.key))
        for column in Candidate.__table__.columns
    }


def merge_history(uow: UnitOfWork, actor: Actor, candidate_id: uuid.UUID) -> list[MergeRecord]:
    """The duplicates merged into a candidate, newest first (for the profile)."""
    actor.require(Permission.VIEW_CANDIDATES)
    with uow:
        visible_candidate(uow.session, actor, candidate_id)
        rows = DuplicateRepository(uow.session).merges_into(actor.company_id, candidate_id)
        return [
            MergeRecord(
                merged_candidate_id=m.merged_candidate_id,
                merged_name=m.snapshot.get("full_name"),
                merged_email=m.snapshot.get("email"),
                merged_reference=m.snapshot.get("reference"),
                reason=m.reason,
                similarity=m.similarity,
                actor=m.actor,
                merged_at=m.created_at,
            )
            for m in rows
        ]
