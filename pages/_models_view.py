"""The Models page's learning-loop sections: accuracy over time, the A/B test with its
actions (retrain, decide promotion, roll back) and feature importance."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import plotly.graph_objects as go
import streamlit as st

from core.permissions import Permission
from core.services import analytics, model_overview, model_promotion, worker_jobs
from core.services.analytics import AccuracyPoint
from core.services.auth import Actor
from core.services.errors import PeopleOSError
from core.services.model_overview import FeatureImportance
from core.services.model_promotion import ABStatus
from pages._components import escape_markdown, table, uow, when, worker_notice

_MARGIN = {"l": 10, "r": 10, "t": 30, "b": 10}
# Metric label -> (AccuracyPoint value, count it rests on).
_OVER_TIME = {
    "AUC": (lambda p: p.auc, lambda p: p.yes_no_cases),
    "Brier score": (lambda p: p.brier, lambda p: p.yes_no_cases),
    "MAE, 0-100": (lambda p: round(100 * p.mean_absolute_error, 1), lambda p: p.cases),
}
_DONE = "models_action_done"  # the last action's result, shown after the page reruns


def accuracy_over_time_chart(points: list[AccuracyPoint], metric: str) -> go.Figure:
    """One line per model version: ``metric`` by month of the outcome, counts on hover."""
    value, count = _OVER_TIME[metric]
    figure = go.Figure()
    for version in sorted({p.model_version for p in points}):
        mine = [p for p in points if p.model_version == version and value(p) is not None]
        if not mine:
            continue
        figure.add_trace(
            go.Scatter(
                x=[p.month for p in mine],
                y=[value(p) for p in mine],
                mode="lines+markers",
                name=version,
                customdata=[count(p) for p in mine],
                hovertemplate=f"%{{x}}: {metric} %{{y:.3f}} from %{{customdata}} outcomes"
                "<extra></extra>",
            )
        )
    figure.update_layout(height=320, margin=_MARGIN, yaxis_title=metric, xaxis_type="category")
    # AUC and Brier live on 0-1, the error on 0-100: a fixed scale, not one stretched around
    # a single point.
    figure.update_yaxes(range=[-2, 102] if metric.startswith("MAE") else [-0.02, 1.02])
    return figure


def accuracy_over_time(actor: Actor) -> None:
    st.subheader("Accuracy over time")
    points = analytics.accuracy_over_time(uow(), actor)
    if not points:
        st.info("No outcome is recorded against a prediction yet: nothing to follow over time.")
        return
    metric = st.radio("Measure", list(_OVER_TIME), horizontal=True, key="models_over_time")
    st.plotly_chart(accuracy_over_time_chart(points, metric), key="models_over_time_chart")
    st.caption(
        "By month of the outcome, per model version; each point rests on the outcomes in the "
        "table (hover a point to see them). AUC and Brier use success/failure outcomes only, "
        "and an AUC needs both in the month. A point resting on a handful of outcomes is "
        "a first sign, not a trend."
    )
    table(
        [
            {
                "Month": p.month,
                "Version": p.model_version,
                "Outcomes": p.cases,
                "Yes/no outcomes": p.yes_no_cases,
                "AUC": p.auc,
                "Brier": p.brier,
                "MAE, 0-100": round(100 * p.mean_absolute_error, 1),
            }
            for p in points
        ],
        empty="No outcomes.",
    )


def _difference(status: ABStatus) -> str:
    d = status.auc_difference
    if d is None:
        return "No AUC difference yet: each arm needs both successful and unsuccessful outcomes."
    return (
        f"Challenger AUC minus champion AUC: {d.value:+.3f} (95 % bootstrap interval "
        f"{d.low:+.3f} to {d.high:+.3f}), on at least {d.n} yes/no outcomes per arm."
    )


def ab_test(actor: Actor) -> ABStatus | None:
    """The A/B block; returns the status for the actions (None when it cannot be read)."""
    st.subheader("A/B test")
    try:
        status = model_promotion.ab_status(uow(), actor)
    except PeopleOSError as exc:
        st.error(escape_markdown(str(exc)))
        return None
    table(
        [
            {
                "Arm": a.arm,
                "Version": a.version,
                "Serves": f"{100 * a.share:.0f} % of candidates",
                "Predictions": a.predictions,
                "People scored": a.people,
                "Outcomes": a.outcomes,
            }
            for a in status.arms
        ],
        empty="No arm.",
    )
    st.caption(
        "Predictions: every fit score the version gave this company's candidates; outcomes: "
        "the people among them with a recorded outcome, by their latest score (the count the "
        f"promotion rule uses; it needs {status.min_outcomes} per arm)."
    )
    if status.running:
        st.text(_difference(status))
        verdict = {
            "waiting": "Waiting",
            "promoted": "The rule would promote the challenger now",
            "retired": "The rule would retire the challenger now",
        }[status.verdict or "waiting"]
        st.info(f"{verdict}: {escape_markdown(status.reason)}")
    else:
        st.info(escape_markdown(status.reason))
    if status.decisions:
        st.markdown("**Decisions made**")
        table(
            [
                {
                    "Decided": when(datetime.fromisoformat(d.decided_at)) if d.decided_at else "—",
                    "Version": d.version,
                    "Decision": d.decision,
                    "Status now": d.status,
                    "Against": d.against or "—",
                    "Outcomes (champion / challenger)": f"{d.champion_outcomes} / "
                    f"{d.challenger_outcomes}",
                    "By": d.decided_by or "—",
                    "Reason": d.reason,
                }
                for d in status.decisions
            ],
            empty="No decision yet.",
        )
    return status


def _retrain_status(actor: Actor) -> None:
    requests = worker_jobs.list_model_requests(uow(), actor)
    if not requests:
        st.caption("No retraining was requested from this page yet.")
        return
    r = requests[0]
    st.text(
        f"Latest retrain request: {r.status} · asked by {r.requested_by} {when(r.created_at)}"
        + (f" · finished {when(r.finished_at)}" if r.finished_at else "")
    )
    if r.error:
        st.error(escape_markdown(r.error))
    for kind, outcome in (r.result or {}).items():
        st.text(f"{kind}: {outcome}")


def _done(message: Any) -> None:
    st.session_state[_DONE] = message
    st.rerun()


def actions(actor: Actor, status: ABStatus | None, versions: list[tuple[str, str]]) -> None:
    """Retrain, decide promotion, roll back: for those who may train models; the retrain
    status for every viewer. ``versions``: (version, status) of the fit versions."""
    st.subheader("Retrain, promote, roll back")
    for line in st.session_state.pop(_DONE, None) or []:
        st.success(escape_markdown(line))
    _retrain_status(actor)
    if not actor.can(Permission.TRAIN_MODELS):
        worker_notice(actor, requests=("retrain",))
        st.caption("Founders and admins retrain, promote and roll back models.")
        return
    retrain, decide = st.columns(2)
    if retrain.button(
        "Retrain now",
        icon=":material/model_training:",
        help="Asks the worker to retrain the company's models from its outcomes; a new model "
        "becomes a challenger under A/B test.",
    ):
        try:
            request = worker_jobs.request_retrain(uow(), actor)
        except PeopleOSError as exc:
            st.error(escape_markdown(str(exc)))
        else:
            _done([f"Retraining requested ({request.status})."])
    if decide.button(
        "Decide promotion now",
        icon=":material/gavel:",
        help="Applies the promotion rule to every challenger whose arms have enough outcomes.",
    ):
        try:
            decisions = model_promotion.decide_promotion(uow(), actor, datetime.now(UTC))
        except PeopleOSError as exc:
            st.error(escape_markdown(str(exc)))
        else:
            _done(
                [f"{d.version}: {d.decision}. {d.reason}" for d in decisions]
                or ["No challenger to decide on."]
            )
    worker_notice(actor, requests=("retrain",))
    serving = status.arms[0].version if status is not None else None
    earlier = [(v, s) for v, s in versions if v != serving]
    if not earlier:
        st.caption("No earlier version to roll back to.")
        return
    labels = dict(earlier)
    with st.form("models_rollback"):
        target = st.selectbox(
            "Roll back to",
            list(labels),
            format_func=lambda v: f"{v} ({labels[v]})",
            help="Makes this version the champion again: it scores every candidate from the "
            "next scoring on; the current champion retires.",
        )
        if st.form_submit_button("Confirm rollback", type="primary"):
            try:
                now_scoring = model_promotion.rollback_to(
                    uow(), actor, str(target), datetime.now(UTC)
                )
            except PeopleOSError as exc:
                st.error(escape_markdown(str(exc)))
            else:
                _done([f"Rolled back: {now_scoring} is the champion now."])


def importance_chart(importance: FeatureImportance) -> go.Figure:
    """Horizontal bars of how far each dimension moves the fit on average, largest on top."""
    rows = list(reversed(importance.dimensions))
    figure = go.Figure(
        go.Bar(
            x=[d.mean_points for d in rows],
            y=[d.name for d in rows],
            orientation="h",
            marker_color="#2f6fde",
            text=[f"{d.mean_points:.1f}" for d in rows],
            textposition="auto",
            hovertemplate="%{y}: moves the fit %{x:.2f} points on average<extra></extra>",
        )
    )
    figure.update_layout(
        height=60 + 36 * len(rows),
        margin=_MARGIN,
        xaxis_title="Average push on the fit score, up or down (points)",
    )
    return figure


def feature_importance(actor: Actor, prior: Any) -> None:
    st.subheader("Feature importance")
    if prior is None:
        st.info("The fit models are not trained on this machine yet: no importance to measure.")
        return
    try:
        importance = model_overview.feature_importance(uow(), actor, prior)
    except PeopleOSError as exc:
        st.error(escape_markdown(str(exc)))
        return
    if not importance.candidates:
        st.info("No candidate is scored yet: feature importance is measured on scored ones.")
        return
    st.plotly_chart(importance_chart(importance), key="models_importance")
    st.caption(
        f"Of {importance.version} ({importance.scope}), the model scoring this company's "
        "candidates: how many points each dimension moves a candidate's overall fit, up or "
        "down, on average (the same points as the waterfall on a candidate's profile), over "
        f"the {importance.candidates:,} most recently scored candidates (at most "
        f"{importance.sample_limit:,}). A dimension's bar is not the sum of its features' "
        "(they can push opposite ways)."
    )
    with st.expander("Per feature"):
        table(
            [
                {
                    "Feature": f.label,
                    "Dimension": f.dimension,
                    "Average push (points)": round(f.mean_points, 2),
                }
                for f in importance.features
            ],
            empty="No feature.",
        )
