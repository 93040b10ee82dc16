"""Read models for dashboards: the company overview."""

from __future__ import annotations

import statistics
import uuid
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta

from core.db import UnitOfWork
from core.models import Company
from core.models.enums import CANDIDATE_STATUSES
from core.permissions import Permission
from core.repositories.analytics import (
    AnalyticsRepository,
    Application,
    CohortFilter,
    HireRow,
    MatchedPrediction,
    StageMove,
)
from core.repositories.candidates import CandidateRepository
from core.repositories.companies import CompanyRepository
from core.repositories.hires import HireRepository
from core.repositories.roles import RoleRepository
from core.repositories.sync import SyncRepository
from core.services.auth import Actor
from core.services.candidates import OPEN_STAGES
from core.services.company_dna import _staffing
from core.services.errors import NotFoundError, ValidationError
from core.services.pipeline import Conversion
from ml import accuracy, dna
from ml.hiring_forecast import StageRate, expected_hires, stage_rates

ACTIVE_STAGES = ("applied", "screening", "interview", "offer")


@dataclass(frozen=True)
class CompanySummary:
    id: uuid.UUID
    name: str
    stage: str
    team_size: int | None
    runway_months: int | None


@dataclass(frozen=True)
class OpenRole:
    id: uuid.UUID
    title: str
    department: str | None
    priority: str | None
    active_candidates: int
    days_open: int


@dataclass(frozen=True)
class RecentHire:
    candidate_name: str | None
    role_title: str | None
    start_date: date | None
    days_to_hire: int
    outcome: str | None
    retention_days: int | None


@dataclass(frozen=True)
class Overview:
    company: CompanySummary
    stage_counts: dict[str, int]
    open_roles: list[OpenRole]
    recent_hires: list[RecentHire]

    @property
    def total_candidates(self) -> int:
        return sum(self.stage_counts.values())

    @property
    def active_pipeline(self) -> int:
        return sum(self.stage_counts[s] for s in ACTIVE_STAGES)

    @property
    def median_days_to_hire(self) -> float | None:
        days = [h.days_to_hire for h in self.recent_hires]
        return statistics.median(days) if days else None


def list_companies(uow: UnitOfWork) -> list[CompanySummary]:
    """Every company (tenant), by name: for the CLI and the worker, never for a page."""
    with uow:
        return [_summary(c) for c in CompanyRepository(uow.session).list_all()]


def get_overview(uow: UnitOfWork, actor: Actor, now: datetime) -> Overview:
    """Pipeline by stage, open roles and hires of the actor's company."""
    actor.require(Permission.VIEW_OVERVIEW)
    company_id = actor.company_id
    with uow:
        session = uow.session
        company = CompanyRepository(session).get(company_id)
        if company is None:
            raise NotFoundError("Company not found.")
        candidates = CandidateRepository(session)
        counts = candidates.count_by_status(company_id)
        per_role = candidates.count_by_role(company_id, active_only=True)
        roles = RoleRepository(session).list_by_status(company_id, ("active",))
        hires = HireRepository(session).list_recent(company_id)
        summary = _summary(company)
        open_roles = sorted(
            (
                OpenRole(
                    id=r.id,
                    title=r.title,
                    department=r.department,
                    priority=r.priority,
                    active_candidates=per_role.get(r.id, 0),
                    days_open=max((now - r.created_at).days, 0),
                )
                for r in roles
            ),
            key=lambda r: (
                ("high", "medium", "low").index(r.priority or "low"),
                -r.active_candidates,
            ),
        )
        recent = [
            RecentHire(
                candidate_name=h.candidate_name,
                role_title=h.role_title,
                start_date=h.start_date,
                days_to_hire=max((h.hired_at - h.applied_at).days, 0),
                outcome=h.actual_outcome,
                retention_days=h.retention_days,
            )
            for h in hires
        ]
    return Overview(
        company=summary,
        stage_counts={s: counts.get(s, 0) for s in CANDIDATE_STATUSES},
        open_roles=open_roles,
        recent_hires=recent,
    )


def _summary(company: Company) -> CompanySummary:
    return CompanySummary(
        id=company.id,
        name=company.name,
        stage=company.stage,
        team_size=company.team_size,
        runway_months=company.runway_months,
    )


# ---------------------------------------------------------------------------- Analytics page
#
# The Analytics page follows a cohort: the candidates who applied in the chosen dates (and
# role). Every figure is computed from their recorded stage moves, offers, hires and the
# outcomes matched to predictions; a figure resting on few cases says how many.

FEW_CASES = 20  # below this many cases a figure shows its count ("7 of 12")
ANALYTICS_FUNNEL = (*OPEN_STAGES, "hired")


def share_label(part: int, whole: int) -> str:
    """A share for people: "—" of nothing, "k of n" from under ten cases (never "100 %"
    from one), and the count next to the percentage below FEW_CASES."""
    conversion = Conversion("", "", whole, part)
    if conversion.rate is None:
        return conversion.label()
    if whole < FEW_CASES:
        return f"{conversion.label()} ({part} of {whole})"
    return conversion.label()


@dataclass(frozen=True)
class FunnelStep:
    stage: str
    reached: int  # cohort candidates who got at least this far
    from_previous: str  # of those who reached the previous stage, this far (a label)
    from_applied: str


@dataclass(frozen=True)
class SourceFunnel:
    source: str
    reached: dict[str, int]  # per ANALYTICS_FUNNEL stage

    @property
    def hired_label(self) -> str:
        return share_label(self.reached["hired"], self.reached["applied"])


@dataclass(frozen=True)
class StageDuration:
    stage: str
    cases: int  # completed stays (the candidate moved on)
    median_days: float | None
    mean_days: float | None
    days: list[float]  # every stay, for the box plot


@dataclass(frozen=True)
class SourceSuccess:
    source: str
    hires: int
    outcome_known: int
    successful: int
    median_retention_days: float | None

    @property
    def success_label(self) -> str:
        return share_label(self.successful, self.outcome_known)


@dataclass(frozen=True)
class OfferAcceptance:
    offered: int
    accepted: int
    declined: int  # rejected after the offer stage
    pending: int

    @property
    def label(self) -> str:
        return share_label(self.accepted, self.accepted + self.declined)


@dataclass(frozen=True)
class AccuracyPoint:
    month: str  # YYYY-MM of the outcome
    model_version: str
    cases: int  # people with an outcome (each by the version's latest prediction about them)
    mean_absolute_error: float  # on the 0-1 scale of the predictions
    yes_no_cases: int = 0  # of them with a success/failure (left/stayed) outcome
    auc: float | None = None  # from the yes/no outcomes; None unless both occur
    brier: float | None = None


@dataclass(frozen=True)
class RoleForecast:
    role_id: uuid.UUID
    title: str
    pipeline: dict[str, int]  # candidates now per open stage
    expected_hires: float
    without_history: int
    smallest_base: int | None


@dataclass(frozen=True)
class RecommendationStatus:
    text: str
    status: str
    evidence: str


@dataclass(frozen=True)
class AnalyticsReport:
    since: date | None
    until: date | None
    role_id: uuid.UUID | None
    roles: dict[uuid.UUID, str]
    applications: int
    funnel: list[FunnelStep]
    by_source: list[SourceFunnel]
    stage_durations: list[StageDuration]
    time_to_hire: StageDuration
    source_success: list[SourceSuccess]
    offers: OfferAcceptance
    accuracy: list[AccuracyPoint]
    hire_rates: dict[str, StageRate]
    forecasts: list[RoleForecast]
    recommendations: list[RecommendationStatus]
    scanned_at: datetime | None


def _furthest(applications: list[Application], moves: list[StageMove]) -> dict[uuid.UUID, int]:
    """Per candidate, the index in ANALYTICS_FUNNEL of the furthest stage reached."""
    index = {s: i for i, s in enumerate(ANALYTICS_FUNNEL)}
    furthest = {a.candidate_id: index.get(a.status, 0) for a in applications}
    for m in moves:
        if m.candidate_id in furthest and m.to_status in index:
            furthest[m.candidate_id] = max(furthest[m.candidate_id], index[m.to_status])
    return furthest


def _reached(furthest: list[int]) -> dict[str, int]:
    return {s: sum(1 for f in furthest if f >= i) for i, s in enumerate(ANALYTICS_FUNNEL)}


def _durations(stage: str, days: list[float]) -> StageDuration:
    return StageDuration(
        stage=stage,
        cases=len(days),
        median_days=round(statistics.median(days), 1) if days else None,
        mean_days=round(statistics.fmean(days), 1) if days else None,
        days=days,
    )


def _stays(
    applications: list[Application], moves: list[StageMove]
) -> tuple[dict[str, list[float]], list[float]]:
    """Completed stays per open stage (days from entering to leaving) and days to hire.

    A candidate enters ``applied`` when they apply (the candidate row's creation); every
    stage move ends one stay and starts the next.
    """
    entered = {a.candidate_id: ("applied", a.applied_at) for a in applications}
    applied_at = {a.candidate_id: a.applied_at for a in applications}
    stays: dict[str, list[float]] = {s: [] for s in OPEN_STAGES}
    to_hire: list[float] = []
    for m in moves:
        if m.candidate_id not in entered:
            continue
        stage, since = entered[m.candidate_id]
        if stage in stays:
            stays[stage].append(max((m.at - since).total_seconds(), 0.0) / 86400)
        if m.to_status == "hired":
            seconds = (m.at - applied_at[m.candidate_id]).total_seconds()
            to_hire.append(max(seconds, 0.0) / 86400)
        entered[m.candidate_id] = (m.to_status, m.at)
    return stays, to_hire


def _accuracy(matched: list[MatchedPrediction]) -> list[AccuracyPoint]:
    """Per month of the outcome and model version: MAE, AUC and Brier score. A person
    scored several times by one version counts once, by the latest prediction (``matched``
    is oldest first), as in :func:`core.services.model_accuracy.accuracy_from_outcomes`."""
    latest: dict[tuple[str, uuid.UUID | int], MatchedPrediction] = {}
    for i, p in enumerate(matched):
        if p.predicted is None or p.actual is None:
            continue
        latest[(p.model_version or "unknown", p.entity_id if p.entity_id is not None else i)] = p
    pairs: dict[tuple[str, str], list[tuple[float, float]]] = {}
    for (version, _), p in latest.items():
        key = (p.observed_at.strftime("%Y-%m"), version)
        pairs.setdefault(key, []).append((float(p.predicted or 0), float(p.actual or 0)))
    points = []
    for (month, version), values in sorted(pairs.items()):
        f = accuracy.figures([v[0] for v in values], [v[1] for v in values])
        points.append(
            AccuracyPoint(
                month,
                version,
                f.n,
                round((f.mae or 0.0) / 100, 3),
                f.n_binary,
                None if f.auc is None else round(f.auc, 3),
                None if f.brier is None else round(f.brier, 3),
            )
        )
    return points


def accuracy_over_time(uow: UnitOfWork, actor: Actor) -> list[AccuracyPoint]:
    """Every month's accuracy of each model version from the company's recorded outcomes
    (all of them, whenever the person applied), for the Models page."""
    actor.require(Permission.VIEW_MODELS)
    with uow:
        matched = AnalyticsRepository(uow.session).list_matched_predictions(
            actor.company_id, None, None, None
        )
    return _accuracy(matched)


def _recommendation_status(
    stored: list[str], today: list[str], evidence: dict[str, str]
) -> list[RecommendationStatus]:
    """The last scan's recommendations and today's, each with what the data says now.

    Recommendations carry no status of their own; this one is read from the data: a
    recommendation today's team, roles and runway still call for is open, one they no
    longer call for is no longer flagged (someone on the team, a pending hire or an open
    role covers it, or the runway changed).
    """
    found = [
        RecommendationStatus(
            text,
            "Open: still called for today" if text in today else "No longer flagged today",
            evidence.get(text, ""),
        )
        for text in stored
    ]
    found += [
        RecommendationStatus(text, "New since the last scan", evidence.get(text, ""))
        for text in today
        if text not in stored
    ]
    return found


def _utc_start(day: date | None) -> datetime | None:
    return None if day is None else datetime.combine(day, time.min, tzinfo=UTC)


def analytics_report(
    uow: UnitOfWork,
    actor: Actor,
    today: date,
    since: date | None = None,
    until: date | None = None,
    role_id: uuid.UUID | None = None,
) -> AnalyticsReport:
    """The Analytics page's figures for candidates who applied from ``since`` to ``until``
    (both days included) for one role or all."""
    actor.require(Permission.VIEW_OVERVIEW)
    if since is not None and until is not None and since > until:
        raise ValidationError("The start date is after the end date.")
    company_id = actor.company_id
    cohort = CohortFilter(
        _utc_start(since), _utc_start(until + timedelta(days=1) if until else None), role_id
    )
    with uow:
        session = uow.session
        company = CompanyRepository(session).get(company_id)
        if company is None:
            raise NotFoundError("Company not found.")
        roles = {r.id: r.title for r in RoleRepository(session).list(company_id)}
        if role_id is not None and role_id not in roles:
            raise NotFoundError("Role not found.")
        repo = AnalyticsRepository(session)
        applications = repo.list_applications(company_id, cohort)
        moves = repo.list_stage_moves(company_id, cohort)
        offered = repo.list_offered_candidates(company_id, cohort)
        hires = repo.list_hires(company_id, cohort)
        matched = repo.list_matched_predictions(company_id, cohort.since, cohort.until, role_id)
        # Hire rates rest on every role's history in the dates: one role's is too thin.
        everyone = replace(cohort, role_id=None)
        if role_id is None:
            history_apps, history_moves = applications, moves
        else:
            history_apps = repo.list_applications(company_id, everyone)
            history_moves = repo.list_stage_moves(company_id, everyone)
        open_pipeline = repo.list_open_pipeline(company_id)
        active = {r.id for r in RoleRepository(session).list_by_status(company_id, ("active",))}
        latest = SyncRepository(session).last_succeeded(company_id)
        picture = dna.team_picture(
            company.stage,
            ((latest.data_snapshot or {}).get("team") or []) if latest else [],
            _staffing(CompanyRepository(session).team_records(company_id, today)),
            today,
            company.team_size or 0,
        )
        profile = company.dna_profile or {}
        stored = list(profile.get("recommendations") or [])
        today_recs = dna.recommendations(
            company.runway_months, (profile.get("velocity") or {}).get("label"), picture.gaps
        )
        scanned_at = company.dna_updated_at

    furthest = _furthest(applications, moves)
    reached = _reached(list(furthest.values()))
    funnel = [
        FunnelStep(
            stage,
            reached[stage],
            share_label(reached[stage], reached[ANALYTICS_FUNNEL[i - 1]]) if i else "",
            share_label(reached[stage], reached["applied"]),
        )
        for i, stage in enumerate(ANALYTICS_FUNNEL)
    ]
    by_source_ids: dict[str, list[int]] = {}
    for a in applications:
        by_source_ids.setdefault(a.source or "unknown", []).append(furthest[a.candidate_id])
    by_source = [
        SourceFunnel(source, _reached(f))
        for source, f in sorted(by_source_ids.items(), key=lambda kv: (-len(kv[1]), kv[0]))
    ]
    stays, to_hire = _stays(applications, moves)

    success: dict[str, list[HireRow]] = {}
    for h in hires:
        success.setdefault(h.source or "unknown", []).append(h)
    source_success = [
        SourceSuccess(
            source,
            hires=len(rows),
            outcome_known=sum(1 for h in rows if h.outcome),
            successful=sum(1 for h in rows if h.outcome == "success"),
            median_retention_days=(
                statistics.median(days)
                if (days := [h.retention_days for h in rows if h.retention_days is not None])
                else None
            ),
        )
        for source, rows in sorted(success.items(), key=lambda kv: (-len(kv[1]), kv[0]))
    ]

    status = {a.candidate_id: a.status for a in applications}
    offer_index = ANALYTICS_FUNNEL.index("offer")
    at_offer = {c for c, f in furthest.items() if f >= offer_index} | (offered & set(status))
    offers = OfferAcceptance(
        offered=len(at_offer),
        accepted=sum(1 for c in at_offer if status[c] == "hired"),
        declined=sum(1 for c in at_offer if status[c] == "rejected"),
        pending=sum(1 for c in at_offer if status[c] == "offer"),
    )

    # A past candidate's fate is known once hired or rejected; open ones would dilute rates.
    history_status = {a.candidate_id: a.status for a in history_apps}
    history = _furthest(history_apps, history_moves)
    decided = [c for c, s in history_status.items() if s in ("hired", "rejected")]
    hire_rates = stage_rates(
        _reached([history[c] for c in decided]),
        _reached([history[c] for c in decided if history_status[c] == "hired"]),
        OPEN_STAGES,
    )
    pipelines: dict[uuid.UUID, dict[str, int]] = {}
    for rid, stage in open_pipeline:
        if rid in active and (role_id is None or rid == role_id):
            pipeline = pipelines.setdefault(rid, {s: 0 for s in OPEN_STAGES})
            pipeline[stage] += 1
    forecasts = []
    for rid in sorted(active, key=lambda r: roles[r]):
        if role_id is not None and rid != role_id:
            continue
        pipeline = pipelines.get(rid, {s: 0 for s in OPEN_STAGES})
        forecast = expected_hires(pipeline, hire_rates)
        forecasts.append(
            RoleForecast(
                rid,
                roles[rid],
                pipeline,
                round(forecast.expected_hires, 2),
                forecast.without_history,
                forecast.smallest_base,
            )
        )
    evidence = {g.recommendation: g.counted for g in picture.gaps}
    return AnalyticsReport(
        since=since,
        until=until,
        role_id=role_id,
        roles=roles,
        applications=len(applications),
        funnel=funnel,
        by_source=by_source,
        stage_durations=[_durations(s, stays[s]) for s in OPEN_STAGES],
        time_to_hire=_durations("hired", to_hire),
        source_success=source_success,
        offers=offers,
        accuracy=_accuracy(matched),
        hire_rates=hire_rates,
        forecasts=forecasts,
        recommendations=_recommendation_status(stored, today_recs, evidence),
        scanned_at=scanned_at,
    )


def _days(value: float | None) -> float | str:
    return "—" if value is None else value


def analytics_tables(report: AnalyticsReport) -> dict[str, list[dict[str, object]]]:
    """Every table the Analytics page shows, as rows: shown as they are and exported as CSV."""
    return {
        "funnel": [
            {
                "Stage": s.stage.capitalize(),
                "Reached": s.reached,
                "From previous stage": s.from_previous,
                "From applied": s.from_applied,
            }
            for s in report.funnel
        ],
        "funnel_by_source": [
            {"Source": f.source}
            | {s.capitalize(): f.reached[s] for s in ANALYTICS_FUNNEL}
            | {"Applied → hired": f.hired_label}
            for f in report.by_source
        ],
        "time_in_stage": [
            {
                "Stage": d.stage.capitalize() if d.stage != "hired" else "Applied → hired",
                "Cases": d.cases,
                "Median days": _days(d.median_days),
                "Mean days": _days(d.mean_days),
            }
            for d in (*report.stage_durations, report.time_to_hire)
        ],
        "source_of_hire": [
            {
                "Source": s.source,
                "Hires": s.hires,
                "Outcome known": s.outcome_known,
                "Successful": s.success_label,
                "Median retention days": _days(s.median_retention_days),
            }
            for s in report.source_success
        ],
        "offer_acceptance": [
            {
                "Offered": report.offers.offered,
                "Accepted": report.offers.accepted,
                "Declined": report.offers.declined,
                "Pending": report.offers.pending,
                "Acceptance": report.offers.label,
            }
        ]
        if report.offers.offered
        else [],
        "prediction_accuracy": [
            {
                "Month": p.month,
                "Model version": p.model_version,
                "Outcomes": p.cases,
                "Mean absolute error": p.mean_absolute_error,
            }
            for p in report.accuracy
        ],
        "expected_hires": [
            {"Role": f.title}
            | {s.capitalize(): f.pipeline[s] for s in OPEN_STAGES}
            | {
                "Expected hires": f.expected_hires,
                "Fewest past cases behind a rate": f.smallest_base or "—",
                "In a stage without history": f.without_history,
            }
            for f in report.forecasts
        ],
        "hire_rates": [
            {
                "From stage": r.stage.capitalize(),
                "Past candidates (decided)": r.reached,
                "Hired": r.hired,
                "Hire rate": share_label(r.hired, r.reached),
            }
            for r in report.hire_rates.values()
        ],
        "dna_recommendations": [
            {"Recommendation": r.text, "Status": r.status, "Evidence": r.evidence}
            for r in report.recommendations
        ],
    }
