"""Roles: create, edit, open and close them; generate their intelligence and job description.

Generation is local: the role library and similar postings (the library's, the company's
own roles and an optional corpus, retrieved by MiniLM) give the role intelligence, and the
company's DNA and StartupOS record give the job description its voice.
"""

from __future__ import annotations

import hashlib
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np

from core.db import UnitOfWork
from core.models import Role, RoleEmbedding
from core.models.enums import ROLE_PRIORITIES, ROLE_STATUSES
from core.permissions import Permission
from core.repositories.audit import AuditRepository
from core.repositories.candidates import CandidateRepository
from core.repositories.companies import CompanyRepository
from core.repositories.roles import RoleRepository
from core.repositories.sync import SyncRepository
from core.services import scoring
from core.services.auth import Actor
from core.services.errors import NotFoundError, ValidationError
from core.services.reference import reference_postings, role_library, taxonomy
from ml.dna import STAGE_LABELS
from ml.jd import CompanyVoice, JDWriter, generate_job_description
from ml.roles import (
    Posting,
    PostingIndex,
    TextEncoder,
    define_role,
    fit_posting_index,
)

STATUSES = ROLE_STATUSES
PRIORITIES = ROLE_PRIORITIES
EMBED_CHARS = 1500
MAX_JD_CHARS = 20_000
MAX_SKILLS = 15
# Which status a role may move to from each status.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "draft": ("active", "closed"),
    "active": ("filled", "closed"),
    "filled": ("active",),
    "closed": ("active",),
}


@dataclass(frozen=True)
class RoleRow:
    id: uuid.UUID
    title: str
    department: str | None
    priority: str | None
    status: str
    active_candidates: int
    created_at: datetime
    jd_generated_at: datetime | None


@dataclass(frozen=True)
class RoleDetail:
    id: uuid.UUID
    title: str
    department: str | None
    priority: str | None
    status: str
    intelligence: dict[str, Any]
    jd_text: str
    jd_generated_at: datetime | None
    created_at: datetime
    updated_at: datetime
    next_statuses: tuple[str, ...]
    active_candidates: int


@dataclass(frozen=True)
class RoleDraft:
    title: str
    department: str | None = None
    priority: str | None = "medium"


@dataclass(frozen=True)
class RoleEdits:
    """Changes a person makes to a role; ``None`` leaves a field as it is."""

    title: str | None = None
    department: str | None = None
    priority: str | None = None
    jd_text: str | None = None
    mission: str | None = None
    outcomes: dict[str, str] | None = None
    must_have_skills: list[str] | None = None
    nice_to_have_skills: list[str] | None = None
    interview_focus: list[str] | None = field(default=None)
    # Annual salary band (USD) as (low, high); (0, 0) removes the band.
    compensation: tuple[int, int] | None = None


def reference_index(encoder: TextEncoder) -> PostingIndex:
    """Reference postings (role library and PEOPLEOS_JD_CORPUS) indexed for retrieval.

    Encoding a large corpus takes a while, so callers keep the index (the UI caches it).
    """
    return fit_posting_index(reference_postings(), encoder)


def list_roles(uow: UnitOfWork, actor: Actor, status: str | None = None) -> list[RoleRow]:
    actor.require(Permission.MANAGE_ROLES)
    if status is not None and status not in ROLE_STATUSES:
        raise ValidationError(f"Unknown role status '{status}'.")
    with uow:
        repo = RoleRepository(uow.session)
        roles = repo.list_by_status(actor.company_id, (status,) if status else ROLE_STATUSES)
        counts = CandidateRepository(uow.session).count_by_role(actor.company_id)
        return [
            RoleRow(
                r.id,
                r.title,
                r.department,
                r.priority,
                r.status,
                counts.get(r.id, 0),
                r.created_at,
                r.jd_generated_at,
            )
            for r in sorted(roles, key=lambda r: (ROLE_STATUSES.index(r.status), r.title))
        ]


def get_role(uow: UnitOfWork, actor: Actor, role_id: uuid.UUID) -> RoleDetail:
    actor.require(Permission.MANAGE_ROLES)
    with uow:
        role = _role(uow, actor, role_id)
        return _detail(uow, actor, role)


def create_role(
    uow: UnitOfWork,
    actor: Actor,
    draft: RoleDraft,
    encoder: TextEncoder,
    now: datetime,
    *,
    references: PostingIndex | None = None,
    writer: JDWriter | None = None,
) -> RoleDetail:
    """A new draft role with generated intelligence and job description."""
    actor.require(Permission.MANAGE_ROLES)
    title, department, priority = _check_basics(draft.title, draft.department, draft.priority)
    with uow:
        repo = RoleRepository(uow.session)
        if repo.title_taken(actor.company_id, title):
            raise ValidationError(f"An open role is already called '{title}'.")
        role = Role(
            company_id=actor.company_id,
            title=title,
            department=department,
            priority=priority,
            status="draft",
            created_at=now,
            updated_at=now,
        )
        _generate(uow, actor, role, encoder, now, references, writer)
        repo.add(role)
        _embed(uow, role, encoder, now)
        _audit(uow, actor, "role.created", role, {"title": title, "status": "draft"})
        detail = _detail(uow, actor, role)
        uow.commit()
    return detail


def regenerate_role(
    uow: UnitOfWork,
    actor: Actor,
    role_id: uuid.UUID,
    encoder: TextEncoder,
    now: datetime,
    *,
    references: PostingIndex | None = None,
    writer: JDWriter | None = None,
) -> RoleDetail:
    """Redo a role's intelligence and job description from its title and today's DNA."""
    actor.require(Permission.MANAGE_ROLES)
    with uow:
        role = _role(uow, actor, role_id)
        _generate(uow, actor, role, encoder, now, references, writer)
        role.updated_at = now
        _embed(uow, role, encoder, now)
        _rescore(uow, actor, role)
        _audit(uow, actor, "role.regenerated", role, {})
        detail = _detail(uow, actor, role)
        uow.commit()
    return detail


def update_role(
    uow: UnitOfWork,
    actor: Actor,
    role_id: uuid.UUID,
    edits: RoleEdits,
    encoder: TextEncoder,
    now: datetime,
) -> RoleDetail:
    """Apply a person's edits (title, JD text, skills, outcomes, ...); all or nothing."""
    actor.require(Permission.MANAGE_ROLES)
    with uow:
        role = _role(uow, actor, role_id)
        title, department, priority = _check_basics(
            edits.title if edits.title is not None else role.title,
            edits.department if edits.department is not None else role.department,
            edits.priority if edits.priority is not None else role.priority,
        )
        if title.lower() != role.title.lower() and RoleRepository(uow.session).title_taken(
            actor.company_id, title, exclude=role.id
        ):
            raise ValidationError(f"An open role is already called '{title}'.")
        intelligence = dict(role.role_intelligence or {})
        intelligence.update(_checked_intelligence(edits))
        changed = [
            name
            for name, before, after in (
                ("title", role.title, title),
                ("department", role.department, department),
                ("priority", role.priority, priority),
                ("intelligence", role.role_intelligence or {}, intelligence),
            )
            if before != after
        ]
        if edits.jd_text is not None:
            text = edits.jd_text.strip()
            if len(text) > MAX_JD_CHARS:
                raise ValidationError(
                    f"The job description is too long ({MAX_JD_CHARS:,} characters at most)."
                )
            if text != (role.jd_text or ""):
                changed.append("jd_text")
                role.jd_text = text
                intelligence["jd"] = {
                    **intelligence.get("jd", {}),
                    "edited_at": now.isoformat(),
                    "edited_by": actor.username,
                }
        if not changed:
            return _detail(uow, actor, role)
        role.title, role.department, role.priority = title, department, priority
        role.role_intelligence = intelligence
        role.updated_at = now
        _embed(uow, role, encoder, now)
        if "intelligence" in changed or "title" in changed:
            _rescore(uow, actor, role)
        _audit(uow, actor, "role.updated", role, {"fields": changed})
        detail = _detail(uow, actor, role)
        uow.commit()
    return detail


def set_status(
    uow: UnitOfWork, actor: Actor, role_id: uuid.UUID, status: str, now: datetime
) -> RoleDetail:
    """Publish, fill, close or reopen a role."""
    actor.require(Permission.MANAGE_ROLES)
    if status not in ROLE_STATUSES:
        raise ValidationError(f"Unknown role status '{status}'.")
    with uow:
        role = _role(uow, actor, role_id)
        if status not in TRANSITIONS[role.status]:
            raise ValidationError(f"A {role.status} role cannot become {status}.")
        if status == "active" and len((role.jd_text or "").strip()) < 100:
            raise ValidationError(
                "Write or generate a job description (100 characters or more) before "
                "publishing the role."
            )
        if status == "active" and RoleRepository(uow.session).title_taken(
            actor.company_id, role.title, exclude=role.id
        ):
            raise ValidationError(f"Another open role is already called '{role.title}'.")
        previous, role.status, role.updated_at = role.status, status, now
        _audit(uow, actor, "role.status_changed", role, {"from": previous, "to": status})
        detail = _detail(uow, actor, role)
        uow.commit()
    return detail


def embed_missing(uow: UnitOfWork, encoder: TextEncoder, now: datetime) -> int:
    """Embed every role that has no embedding yet (demo data, imports); returns how many."""
    with uow:
        pending = RoleRepository(uow.session).missing_embeddings()
        for role in pending:
            _embed(uow, role, encoder, now)
        uow.commit()
    return len(pending)


# --------------------------------------------------------------------------- helpers


def _rescore(uow: UnitOfWork, actor: Actor, role: Role) -> None:
    """A changed role changes its candidates' fit: the worker rescores them."""
    scoring.queue_rescore(
        uow.session, actor.company_id, actor.username, trigger="role_change", role_id=role.id
    )


def _role(uow: UnitOfWork, actor: Actor, role_id: uuid.UUID) -> Role:
    role = RoleRepository(uow.session).get(actor.company_id, role_id)
    if role is None:
        raise NotFoundError("Role not found.")
    return role


def _detail(uow: UnitOfWork, actor: Actor, role: Role) -> RoleDetail:
    counts = CandidateRepository(uow.session).count_by_role(actor.company_id)
    return RoleDetail(
        id=role.id,
        title=role.title,
        department=role.department,
        priority=role.priority,
        status=role.status,
        intelligence=dict(role.role_intelligence or {}),
        jd_text=role.jd_text or "",
        jd_generated_at=role.jd_generated_at,
        created_at=role.created_at,
        updated_at=role.updated_at,
        next_statuses=TRANSITIONS[role.status],
        active_candidates=counts.get(role.id, 0),
    )


MAX_SALARY = 5_000_000


def _check_basics(
    title: str, department: str | None, priority: str | None
) -> tuple[str, str | None, str | None]:
    title = " ".join((title or "").split())
    if not 3 <= len(title) <= 120:
        raise ValidationError("Give the role a title of 3 to 120 characters.")
    department = " ".join((department or "").split()) or None
    if department is not None and len(department) > 100:
        raise ValidationError("Keep the department under 100 characters.")
    if priority is not None and priority not in ROLE_PRIORITIES:
        raise ValidationError("Priority is high, medium or low.")
    return title, department, priority


def _skill_list(values: Sequence[str], what: str) -> list[str]:
    items = list(dict.fromkeys(" ".join(v.split()) for v in values if v.strip()))
    if len(items) > MAX_SKILLS or any(len(v) > 60 for v in items):
        raise ValidationError(f"List at most {MAX_SKILLS} {what}, each under 60 characters.")
    return items


def _checked_intelligence(edits: RoleEdits) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if edits.mission is not None:
        mission = " ".join(edits.mission.split())
        if not 10 <= len(mission) <= 500:
            raise ValidationError("Describe the role's mission in 10 to 500 characters.")
        out["mission"] = mission
    if edits.outcomes is not None:
        if set(edits.outcomes) - {"30", "90", "365"} or any(
            len(v) > 500 for v in edits.outcomes.values()
        ):
            raise ValidationError("Outcomes are for 30, 90 and 365 days, under 500 characters.")
        out["outcomes"] = {k: " ".join(v.split()) for k, v in edits.outcomes.items()}
    if edits.must_have_skills is not None:
        out["must_have_skills"] = _skill_list(edits.must_have_skills, "must-have skills")
        if not out["must_have_skills"]:
            raise ValidationError("Keep at least one must-have skill.")
    if edits.nice_to_have_skills is not None:
        out["nice_to_have_skills"] = _skill_list(edits.nice_to_have_skills, "nice-to-have skills")
    if edits.interview_focus is not None:
        out["interview_focus"] = _skill_list(edits.interview_focus, "interview focus areas")
    if edits.compensation is not None:
        low, high = (int(v) for v in edits.compensation)
        if (low, high) == (0, 0):
            out["compensation"] = None
        elif not 0 < low <= high <= MAX_SALARY:
            raise ValidationError(
                f"The salary band needs a low end above 0 and at most the high end "
                f"(up to {MAX_SALARY:,} a year), or 0 and 0 for no band."
            )
        else:
            out["compensation"] = {"min": low, "max": high, "currency": "USD"}
    return out


def _voice(uow: UnitOfWork, actor: Actor) -> tuple[CompanyVoice, dict[str, Any]]:
    """How the company speaks (its StartupOS record) and its DNA profile."""
    company = CompanyRepository(uow.session).get(actor.company_id)
    if company is None:
        raise NotFoundError("Company not found.")
    synced = SyncRepository(uow.session).last_succeeded(company.id)
    record = ((synced.data_snapshot or {}) if synced else {}).get("company") or {}
    dna = company.dna_profile or {}
    voice = CompanyVoice(
        name=company.name,
        stage_label=STAGE_LABELS.get(company.stage, company.stage),
        industry=record.get("industry"),
        headquarters=record.get("headquarters"),
        mission=record.get("mission"),
        values=list(record.get("values") or []),
        values_text=record.get("values_text"),
        team_size=dna.get("team_size") or company.team_size,
        culture=list(dna.get("culture") or []),
    )
    return voice, {"stage": company.stage, **dna}


def _own_postings(uow: UnitOfWork, actor: Actor, role: Role) -> list[Posting]:
    return [
        Posting(
            title=r.title,
            category=r.department or "",
            responsibilities=tuple((r.role_intelligence or {}).get("responsibilities") or ()),
            qualifications=tuple((r.role_intelligence or {}).get("must_have_skills") or ()),
            source="our roles",
        )
        for r in RoleRepository(uow.session).list(actor.company_id)
        if r.id != role.id and (r.role_intelligence or {}).get("responsibilities")
    ]


def _generate(
    uow: UnitOfWork,
    actor: Actor,
    role: Role,
    encoder: TextEncoder,
    now: datetime,
    references: PostingIndex | None,
    writer: JDWriter | None,
) -> None:
    started = time.perf_counter()
    voice, dna = _voice(uow, actor)
    terms = taxonomy()
    indexes = [references or fit_posting_index(reference_postings(), encoder)]
    own = _own_postings(uow, actor, role)
    if own:
        indexes.append(fit_posting_index(own, encoder))
    intelligence = define_role(
        role.title,
        library=role_library(),
        encoder=encoder,
        skills_pattern=terms.pattern(),
        skill_aliases=terms.aliases,
        dna=dna,
        mission=voice.mission,
        department=role.department,
        references=indexes,
    ).to_dict()
    jd = generate_job_description(role.title, intelligence, voice, writer)
    intelligence["jd"] = {
        "writer": jd.writer,
        # The whole generation: retrieval, intelligence and writing.
        "elapsed_ms": round((time.perf_counter() - started) * 1000, 1),
        "generated_at": now.isoformat(),
    }
    role.role_intelligence = intelligence
    role.jd_text = jd.text
    role.jd_generated_at = now
    role.department = role.department or intelligence["department"]


def _embed(uow: UnitOfWork, role: Role, encoder: TextEncoder, now: datetime) -> None:
    text = f"{role.title}\n{(role.jd_text or '')[:EMBED_CHARS]}"
    vector = np.asarray(encoder.encode([text])[0], dtype=np.float32)
    RoleRepository(uow.session).save_embedding(
        RoleEmbedding(
            role_id=role.id,
            company_id=role.company_id,
            model=getattr(encoder, "name", "unknown"),
            vector=vector.tobytes(),
            text_sha256=hashlib.sha256(text.encode()).hexdigest(),
            updated_at=now,
        )
    )


def _audit(uow: UnitOfWork, actor: Actor, action: str, role: Role, summary: dict) -> None:
    AuditRepository(uow.session).add(
        **actor.audit_fields(),
        action=action,
        entity_type="role",
        entity_id=str(role.id),
        summary=summary,
    )


def departments() -> list[str]:
    """Departments the role library knows, for pickers."""
    return role_library().departments


def skill_names() -> list[str]:
    """Every skill in the shipped taxonomy, for pickers."""
    return sorted(taxonomy().skills)
