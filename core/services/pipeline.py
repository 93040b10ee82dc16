"""A role's pipeline: stage counts, who waits longest, conversion and time in stage, and the
filtered, sorted table with its CSV export. Every figure is computed in the database, so a
role with tens of thousands of candidates answers as fast as one with ten.

Time in stage is measured from the stage event that put a candidate in their stage
(``candidates.stage_entered_at``, written with every stage event), never from the row's
last update, which rescoring and edits also change.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from core.db import UnitOfWork
from core.permissions import Permission
from core.repositories.audit import AuditRepository
from core.repositories.candidates import CandidateFilter, CandidateRepository
from core.repositories.pipeline import PipelineRepository
from core.repositories.roles import RoleRepository
from core.services.auth import Actor
from core.services.candidates import (
    MAX_PAGE_SIZE,
    OPEN_STAGES,
    STAGES,
    CandidatePage,
    CandidateRow,
    _check_sort,
    candidate_filter,
    candidate_row,
    rows_csv,
)
from core.services.errors import NotFoundError, ValidationError

# Below this many candidates a conversion is shown as "k of n", never as a percentage.
MIN_RATE_BASE = 10
FUNNEL = (*OPEN_STAGES, "hired")


@dataclass(frozen=True)
class StageCard:
    id: uuid.UUID
    full_name: str | None
    status: str
    days_in_stage: int


@dataclass(frozen=True)
class Conversion:
    """Of the ``base`` candidates who reached ``previous``, ``reached`` got to ``stage``."""

    previous: str
    stage: str
    base: int
    reached: int

    @property
    def rate(self) -> float | None:
        """The share, or None when it would rest on fewer than MIN_RATE_BASE candidates."""
        return None if self.base < MIN_RATE_BASE else self.reached / self.base

    def label(self) -> str:
        if self.base == 0:
            return "—"
        if self.rate is None:
            return f"{self.reached} of {self.base}"
        return f"{100 * self.rate:.0f}%"


@dataclass(frozen=True)
class StageTime:
    stage: str
    median_days: float
    candidates: int


@dataclass(frozen=True)
class PipelineSummary:
    counts: dict[str, int]
    # Per stage: in open stages those waiting longest, in hired/rejected the most recent.
    longest: dict[str, list[StageCard]]
    conversions: list[Conversion]
    stage_times: list[StageTime]  # open stages with anyone in them
    sources: list[str]


@dataclass(frozen=True)
class PipelineQuery:
    """The Pipeline table's filters (empty: everything) and order."""

    stages: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    min_days: int = 0
    sort: str = "days_in_stage"


def _filter(
    actor: Actor, role_id: uuid.UUID | None, now: datetime, q: PipelineQuery
) -> CandidateFilter:
    if q.min_days < 0:
        raise ValidationError("Days in stage cannot be negative.")
    _check_sort(q.sort)
    if q.sort in ("fit", "success") and not actor.can(Permission.VIEW_SCORES):
        raise ValidationError("Your role does not see scores, so it cannot sort by them.")
    return candidate_filter(
        actor,
        role_id=role_id,
        statuses=q.stages,
        sources=q.sources,
        entered_before=now - timedelta(days=q.min_days) if q.min_days else None,
    )


def _role_titles(uow: UnitOfWork, actor: Actor) -> dict[uuid.UUID, str]:
    assert uow.session is not None
    return {r.id: r.title for r in RoleRepository(uow.session).list(actor.company_id)}


def _require_role(uow: UnitOfWork, actor: Actor, role_id: uuid.UUID) -> None:
    if role_id not in _role_titles(uow, actor):
        raise NotFoundError("Role not found.")


def _days(now: datetime, moment: datetime) -> int:
    return max((now - moment).days, 0)


def pipeline_summary(
    uow: UnitOfWork, actor: Actor, role_id: uuid.UUID, now: datetime, *, card_limit: int = 30
) -> PipelineSummary:
    """A role's board: counts, the longest waiting per stage, conversion and time in stage."""
    actor.require(Permission.VIEW_CANDIDATES)
    f = candidate_filter(actor, role_id=role_id)
    with uow:
        _require_role(uow, actor, role_id)
        repo = PipelineRepository(uow.session)
        counts = {s: 0 for s in STAGES} | repo.count_by_status(actor.company_id, f)
        longest = {
            s: [
                StageCard(c.id, c.full_name, c.status, _days(now, c.stage_entered_at))
                for c in repo.board_cards(actor.company_id, f, s, card_limit)
            ]
            for s in STAGES
            if counts[s]
        }
        # A rejected candidate got as far as the stage they were rejected from.
        furthest = {s: counts.get(s, 0) for s in FUNNEL}
        for stage, n in repo.rejected_from(actor.company_id, f).items():
            if stage in furthest:
                furthest[stage] += n
        reached = {s: sum(furthest[t] for t in FUNNEL[i:]) for i, s in enumerate(FUNNEL)}
        conversions = [
            Conversion(previous, stage, reached[previous], reached[stage])
            for previous, stage in zip(FUNNEL, FUNNEL[1:], strict=False)
        ]
        stage_times = []
        for stage in OPEN_STAGES:
            middle = repo.median_entered_at(actor.company_id, f, stage, counts[stage])
            if middle:
                days = [(now - m).total_seconds() / 86400 for m in middle]
                stage_times.append(
                    StageTime(stage, round(max(sum(days) / len(days), 0.0), 1), counts[stage])
                )
        sources = repo.sources(actor.company_id, f)
    return PipelineSummary(counts, longest, conversions, stage_times, sources)


def pipeline_page(
    uow: UnitOfWork,
    actor: Actor,
    role_id: uuid.UUID,
    now: datetime,
    query: PipelineQuery,
    *,
    limit: int = 50,
    offset: int = 0,
) -> CandidatePage:
    """One page of a role's candidates, filtered and sorted across all of them."""
    actor.require(Permission.VIEW_CANDIDATES)
    f = _filter(actor, role_id, now, query)
    with uow:
        rows, total = CandidateRepository(uow.session).list(
            actor.company_id,
            f,
            sort=query.sort,
            limit=max(1, min(limit, MAX_PAGE_SIZE)),
            offset=max(0, offset),
        )
        return CandidatePage(
            rows=[candidate_row(actor, c, title) for c, title in rows],
            total=total,
            roles=_role_titles(uow, actor),
            scores_visible=actor.can(Permission.VIEW_SCORES),
        )


def export_pipeline_csv(
    uow: UnitOfWork,
    actor: Actor,
    now: datetime,
    query: PipelineQuery,
    *,
    role_id: uuid.UUID | None = None,
) -> str:
    """A role's pipeline (or every role's), filtered as on the Pipeline page, as CSV.

    Read from the database a page at a time; the export is audited.
    """
    actor.require(Permission.EXPORT_CANDIDATES)
    f = _filter(actor, role_id, now, query)
    listed: list[CandidateRow] = []
    with uow:
        if role_id is not None:
            _require_role(uow, actor, role_id)
        repo = CandidateRepository(uow.session)
        offset = 0
        while True:
            page, total = repo.list(
                actor.company_id, f, sort=query.sort, limit=MAX_PAGE_SIZE, offset=offset
            )
            listed.extend(candidate_row(actor, c, title) for c, title in page)
            offset += MAX_PAGE_SIZE
            if offset >= total:
                break
        AuditRepository(uow.session).add(
            **actor.audit_fields(),
            action="candidate.exported",
            entity_type="candidate",
            summary={
                "rows": len(listed),
                "role_id": str(role_id or ""),
                "stages": sorted(query.stages),
                "sources": sorted(query.sources),
                "min_days": query.min_days,
            },
        )
        uow.commit()
    return rows_csv(listed, now)
