"""Bias audit: selection rates and impact ratios by self-identified group, the audit of any
decisions file, and the model card (proxy check, impact ratios of a model version).

Figures come from ``ml.fairness`` (fairlearn's MetricFrame). Self-identification is only
read here, in aggregate; every view of these figures writes an audit_log row.
"""

from __future__ import annotations

import csv
import html
import io
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from core.db import UnitOfWork
from core.permissions import Permission
from core.repositories.audit import AuditRepository
from core.repositories.fairness import FairnessRepository, SelfIdentifiedCandidate
from core.repositories.scoring import ScoringRepository
from core.services import model_registry
from core.services.auth import Actor
from core.services.errors import NotFoundError, ValidationError
from ml import fairness as fm
from ml.fit import MODEL_FEATURES
from ml.training import FIT_MODEL, TrainedModels

STAGE_LABELS = {
    "screening": "Stage: applied → screening",
    "interview": "Stage: screening → interview",
    "offer": "Stage: interview → offer",
    "hired": "Stage: offer → hired",
}
OVERALL = "Overall: applied → hired"
FIT = "Fit score above the role's median"
COLUMNS = ("analysis", "attribute", "group", "n", "selected", "selection_rate", "impact_ratio")


@dataclass(frozen=True)
class AuditTable:
    """One analysis (a stage, the fit score) for one attribute."""

    analysis: str
    attribute: str
    rows: list[fm.GroupRate]
    note: str | None = None  # why there are no rows

    @property
    def flagged(self) -> list[fm.GroupRate]:
        return [r for r in self.rows if r.flag == fm.FLAG_BELOW]


@dataclass(frozen=True)
class RoleScoring:
    title: str
    scored: int
    median: float


@dataclass(frozen=True)
class FairnessReport:
    company_name: str
    start: date
    end: date
    generated_at: datetime
    self_identified: int  # candidates who applied in the period and answered
    tables: list[AuditTable]
    roles: list[RoleScoring] = field(default_factory=list)

    def frame(self) -> pd.DataFrame:
        """Every group row of every table, flat (the CSV export)."""
        records = [
            {"analysis": t.analysis, "attribute": t.attribute, **r.to_dict()}
            for t in self.tables
            for r in t.rows
        ]
        return pd.DataFrame(records, columns=[*COLUMNS, "flag"])


def _tables(analysis: str, tables: dict[str, list[fm.GroupRate] | str]) -> list[AuditTable]:
    return [
        AuditTable(analysis, attribute, [], rows)
        if isinstance(rows, str)
        else AuditTable(analysis, attribute, rows)
        for attribute, rows in tables.items()
    ]


def _window(start: date, end: date) -> tuple[datetime, datetime]:
    if end < start:
        raise ValidationError("The period ends before it starts.")
    return datetime.combine(start, time(), UTC), datetime.combine(end + timedelta(1), time(), UTC)


def bias_audit(
    uow: UnitOfWork, actor: Actor, start: date, end: date, now: datetime
) -> FairnessReport:
    """Selection rates and impact ratios of the candidates who applied from ``start`` to
    ``end`` (inclusive), at every stage and for the fit score, by self-identified group."""
    actor.require(Permission.VIEW_FAIRNESS)
    since, until = _window(start, end)
    with uow:
        repo = FairnessRepository(uow.session)
        people = repo.list_self_identified(actor.company_id, since, until)
        events = repo.list_stage_statuses(actor.company_id, [p.candidate_id for p in people])
        scores = repo.list_scores(actor.company_id, since, until)
        titles = repo.list_role_titles(actor.company_id)
        AuditRepository(uow.session).add(
            **actor.audit_fields(),
            action="fairness.audit_viewed",
            entity_type="company",
            entity_id=str(actor.company_id),
            summary={"start": start.isoformat(), "end": end.isoformat(), "answered": len(people)},
        )
        uow.commit()
    groups = fm.self_id_frame(p.answers for p in people)
    statuses = [p.status for p in people]
    furthest = [fm.furthest_stage(p.status, events.get(p.candidate_id, ())) for p in people]
    tables: list[AuditTable] = []
    for stage, (decided, selected) in fm.stage_decisions(furthest, statuses).items():
        tables += _tables(STAGE_LABELS[stage], fm.attribute_tables(groups, selected, decided))
    done = np.isin(statuses, ("hired", "rejected"))
    hired = np.asarray(statuses) == "hired"
    tables += _tables(OVERALL, fm.attribute_tables(groups, hired, done))
    fit_tables, roles = _fit_score_tables(people, groups, scores, titles)
    tables += fit_tables
    return FairnessReport(actor.company_name, start, end, now, len(people), tables, roles)


def _fit_score_tables(
    people: list[SelfIdentifiedCandidate],
    groups: pd.DataFrame,
    scores: list[tuple[uuid.UUID, uuid.UUID | None, int]],
    titles: dict[uuid.UUID, str],
) -> tuple[list[AuditTable], list[RoleScoring]]:
    """Scoring above the role's median (taken over every scored candidate of the role)."""
    if not scores:
        return [AuditTable(FIT, a, [], "No candidate has a fit score.") for a in _labels()], []
    frame = pd.DataFrame(scores, columns=["candidate", "role", "score"])
    frame["above"] = fm.above_role_median(frame["score"], frame["role"])
    above = dict(zip(frame["candidate"], frame["above"], strict=True))
    scored = np.array([p.candidate_id in above for p in people], dtype=bool)
    selected = np.array([bool(above.get(p.candidate_id, False)) for p in people])
    roles = [
        RoleScoring(titles.get(role, "No role"), len(part), float(part["score"].median()))
        for role, part in frame.groupby("role", dropna=False, sort=False)
    ]
    roles.sort(key=lambda r: r.title)
    return _tables(FIT, fm.attribute_tables(groups, selected, scored)), roles


def _labels() -> list[str]:
    return [*fm.ATTRIBUTES.values(), fm.INTERSECTION]


def report_filename(report: FairnessReport, extension: str) -> str:
    """A dated file name for an export of the report."""
    slug = re.sub(r"[^a-z0-9]+", "-", report.company_name.lower()).strip("-") or "company"
    return f"fairness-audit-{slug}-{report.generated_at:%Y-%m-%d}.{extension}"


def report_csv(report: FairnessReport) -> str:
    """The report's group rows as CSV, headed by who, which period and when (dated)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["# PeopleOS fairness audit", report.company_name])
    writer.writerow(["# period", report.start.isoformat(), report.end.isoformat()])
    writer.writerow(["# generated", report.generated_at.isoformat()])
    writer.writerow(["# self-identified candidates", report.self_identified])
    report.frame().to_csv(out, index=False, lineterminator="\n")
    return out.getvalue()


_FLAG_TEXT = {
    fm.FLAG_BELOW: "below 0.8",
    fm.FLAG_OK: "",
    fm.FLAG_TOO_SMALL: "too small to judge",
}


def flag_text(flag: str) -> str:
    return _FLAG_TEXT.get(flag, flag)


def report_html(report: FairnessReport) -> str:
    """A printable HTML summary; every string from users or data is escaped."""
    e = html.escape
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'>",
        f"<title>Fairness audit — {e(report.company_name)}</title>",
        "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;"
        "margin-bottom:1.5em}td,th{border:1px solid #999;padding:2px 8px;text-align:right}"
        "td:first-child,th:first-child{text-align:left}.flag{color:#b00;font-weight:bold}"
        "</style></head><body>",
        f"<h1>Fairness audit — {e(report.company_name)}</h1>",
        f"<p>Candidates who applied from {report.start.isoformat()} to {report.end.isoformat()}; "
        f"generated {e(report.generated_at.strftime('%Y-%m-%d %H:%M %Z'))}. "
        f"{report.self_identified} of them answered the voluntary self-identification form.</p>",
        "<p>Selection rate: the share of a group selected at that step. Impact ratio: the "
        "group's rate divided by the highest rate of a group holding at least 2 % of the "
        "rows. Ratios below 0.8 are flagged (four-fifths rule); groups under 2 % are too "
        "small to judge. The fit-score rate is the share scoring above their role's median.</p>",
    ]
    for t in report.tables:
        parts.append(f"<h3>{e(t.analysis)} — {e(t.attribute)}</h3>")
        if not t.rows:
            parts.append(f"<p>{e(t.note or 'No figures.')}</p>")
            continue
        parts.append(
            "<table><tr><th>Group</th><th>n</th><th>Selected</th><th>Selection rate</th>"
            "<th>Impact ratio</th><th>Flag</th></tr>"
        )
        for r in t.rows:
            ratio = "—" if r.impact_ratio is None else f"{r.impact_ratio:.2f}"
            css = " class='flag'" if r.flag == fm.FLAG_BELOW else ""
            parts.append(
                f"<tr><td>{e(r.group)}</td><td>{r.n}</td><td>{r.selected}</td>"
                f"<td>{r.selection_rate:.1%}</td><td>{ratio}</td>"
                f"<td{css}>{e(flag_text(r.flag))}</td></tr>"
            )
        parts.append("</table>")
    if report.roles:
        parts.append("<h3>Roles in the fit-score analysis</h3><table>")
        parts.append("<tr><th>Role</th><th>Scored candidates</th><th>Median fit score</th></tr>")
        for role in report.roles:
            parts.append(
                f"<tr><td>{e(role.title)}</td><td>{role.scored}</td><td>{role.median:.1f}</td></tr>"
            )
        parts.append("</table>")
    parts.append("</body></html>")
    return "\n".join(parts)


def audit_decisions_file(
    path: str | Path,
    group_columns: Sequence[str],
    outcome_column: str,
    positive: str | None = None,
) -> dict[str, Any]:
    """The same audit on a decisions export from another system (one row per decision)."""
    try:
        data = pd.read_csv(path, dtype=str, skipinitialspace=True)
    except FileNotFoundError:
        raise ValidationError(f"No such file: {path}.") from None
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise ValidationError(f"{path} is not a readable CSV file ({exc}).") from None
    try:
        rows = fm.audit_frame(data, group_columns, outcome_column, positive)
    except fm.FairnessInputError as exc:
        raise ValidationError(str(exc)) from None
    return {
        "file": str(path),
        "rows": int(sum(r.n for r in rows)),
        "group_columns": list(group_columns),
        "outcome_column": outcome_column,
        "positive": positive,
        "four_fifths": fm.FOUR_FIFTHS,
        "min_share": fm.MIN_SHARE,
        "groups": {r.group: {k: v for k, v in r.to_dict().items() if k != "group"} for r in rows},
    }


# --------------------------------------------------------------------------- model card

INTENDED_USE = (
    "Ranks and explains a role's applicants by their fit to the role and the company, so "
    "that a person reviews the likeliest first. It never rejects anyone: a person decides "
    "every stage move."
)
EXCLUDED_ATTRIBUTES = (
    "gender",
    "race/ethnicity",
    "disability",
    "veteran status",
    "age and date of birth",
    "name, email, photo and address",
)
KNOWN_LIMITS = (
    "Features are read from resumes; a resume that lists little scores low on what it omits.",
    "Impact ratios and the proxy check rest only on candidates who chose to self-identify; "
    "the others may differ.",
    "The proxy check looks at one feature at a time: several features together can still "
    "stand in for a group.",
    "Groups under 2 % of those measured are too small to judge; small companies have few "
    "judged groups.",
)


@dataclass(frozen=True)
class ModelCard:
    version: str
    scope: str
    status: str
    trained_at: datetime | None
    data_window: str
    features: list[str]
    metrics: dict[str, Any]
    calibration: dict[str, Any] | None
    promotion: list[str]  # why a better challenger was not promoted (empty: nothing held)
    fairness_shown: bool  # the actor may see impact ratios and the proxy check
    measured_on: int = 0  # self-identified candidates with stored features
    impact: list[AuditTable] = field(default_factory=list)
    proxies: list[fm.ProxyResult] = field(default_factory=list)
    intended_use: str = INTENDED_USE
    excluded: tuple[str, ...] = EXCLUDED_ATTRIBUTES
    known_limits: tuple[str, ...] = KNOWN_LIMITS
    proxy_threshold: float = fm.PROXY_AUC_FLAG


def fit_versions(uow: UnitOfWork, actor: Actor) -> list[str]:
    """The fit model versions a card can be shown for, newest first."""
    actor.require(Permission.VIEW_MODELS)
    with uow:
        return [
            m.version
            for m in ScoringRepository(uow.session).model_versions(actor.company_id)
            if m.name == FIT_MODEL
        ]


def model_card(
    uow: UnitOfWork, actor: Actor, prior: TrainedModels, version: str, now: datetime
) -> ModelCard:
    """The card of fit model ``version``; its impact ratios and proxy check only for those
    allowed to see fairness figures (and each such view is audited)."""
    actor.require(Permission.VIEW_MODELS)
    shown = actor.can(Permission.VIEW_FAIRNESS)
    with uow:
        row = ScoringRepository(uow.session).model_version(FIT_MODEL, version)
        if row is None or row.company_id not in (None, actor.company_id):
            raise NotFoundError(f"Model version {version} is not registered for this company.")
        metrics = dict(row.metrics or {})
        card = ModelCard(
            version=row.version,
            scope="prior" if row.company_id is None else "company",
            status=row.status,
            trained_at=row.trained_at,
            data_window=_data_window(metrics, row.trained_at),
            features=[str(f) for f in row.feature_names or []],
            metrics={k: v for k, v in metrics.items() if isinstance(v, int | float | str)},
            calibration=metrics.get("success") or None,
            promotion=[str(r) for r in metrics.get("promotion_refused") or []],
            fairness_shown=shown,
        )
        # From the registry row (its bytes, checked against their sha256), so the card is
        # the same on a machine whose models folder is empty.
        models = (
            model_registry.load_registered(row, TrainedModels, "PeopleOS models")
            if shown and version != prior.version
            else prior
        )
        people: list[SelfIdentifiedCandidate] = []
        if shown:
            people = [
                p
                for p in FairnessRepository(uow.session).list_self_identified(actor.company_id)
                if p.features
            ]
            AuditRepository(uow.session).add(
                **actor.audit_fields(),
                action="fairness.model_card_viewed",
                entity_type="model_version",
                entity_id=version,
                summary={"measured_on": len(people)},
            )
            uow.commit()
    if not shown or not people:
        return card
    features = pd.DataFrame([p.features for p in people])[list(MODEL_FEATURES)]
    groups = fm.self_id_frame(p.answers for p in people)
    scores = models.fit.decision_function(features)
    impact = _tables(FIT, fm.score_impact(scores, [p.role_id for p in people], groups))
    proxies = fm.proxy_check(features, groups)
    return replace(card, measured_on=len(people), impact=impact, proxies=proxies)


def _data_window(metrics: dict[str, Any], trained_at: datetime | None) -> str:
    source = metrics.get("trained_on") or "an unrecorded sample"
    upto = f", up to {trained_at:%Y-%m-%d}" if trained_at else ""
    return f"Trained on {source}{upto}."
