"""The Fit block of a candidate profile: score, explanation, what-if, risks, genome, history.

Text derived from the resume (reasoning, evidence, skills, work-style lines) is shown only
through st.text and tables, never as markdown or HTML.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import streamlit as st

from core.permissions import Permission
from core.services import fit_insight, model_registry, scoring
from core.services.auth import Actor
from core.services.errors import PeopleOSError
from pages import _fit_charts as charts
from pages._components import embedder, escape_markdown, fit_models, table, uow, when

SEVERITY_ORDER = {"high": 0, "medium": 1, "low": 2}
TRIGGERS = {
    "intake": "when they applied",
    "on_demand": "on request",
    "role_change": "after their role changed",
    "dna_change": "after the company DNA changed",
    "demo": "when the demo was seeded",
    "backfill": "in a catch-up of unscored candidates",
}
# The evidence of a model feature is stored under the signal it was computed from.
EVIDENCE_OF = {
    "skills_fit": "skills_match",
    "experience_fit": "relevant_years",
    "stage_fit": "stage_experience",
    "culture_fit": "culture_alignment",
    "velocity_fit": "velocity_signal",
    "builder_fit": "builder_signal",
    "role_fit": "relevant_years",
}
# What-if inputs beyond the dimensions: feature -> (min, max, step).
PROFILE_INPUTS = {
    "years_experience": (0.0, 50.0, 0.5),
    "short_tenures": (0.0, 20.0, 1.0),
    "employment_gap_months": (0.0, 120.0, 1.0),
    "seniority_gap": (-3.0, 3.0, 1.0),
}
NOT_TRAINED = (
    "The fit models are not trained on this machine yet: run `python -m core.cli models train`."
)


def fit_section(actor: Actor, candidate_id: uuid.UUID) -> None:
    """Render the Fit block of one candidate (a read; the rescore button writes)."""
    st.markdown("### Fit")
    done = st.session_state.pop(f"rescored_{candidate_id}", None)
    if done:
        st.success(done)
    try:
        insight = fit_insight.candidate_insight(uow(), actor, candidate_id)
    except PeopleOSError as exc:
        st.error(escape_markdown(str(exc)))
        return
    breakdown = insight.breakdown
    if insight.fit_score is None or not breakdown:
        st.info(
            "Not scored yet — a candidate is scored once they have a parsed resume and a role."
            + (" Use **Rescore now** to score them." if _can_rescore(actor) else "")
        )
        _rescore_button(actor, candidate_id)
        return
    _summary(insight, breakdown)
    _story(insight.story)
    _dimensions(insight.dimensions)
    _explanation(insight.story, breakdown)
    _what_if(actor, candidate_id, insight.fit_score, breakdown)
    _risks(insight.risks)
    _genome(insight.genome)
    _history(insight.history)
    _rescore_button(actor, candidate_id)


def _can_rescore(actor: Actor) -> bool:
    return actor.can(Permission.SCORE_CANDIDATES)


def _summary(insight: fit_insight.Insight, breakdown: Mapping[str, Any]) -> None:
    success = breakdown.get("success") or {}
    risks = insight.risks
    confidence = insight.confidence
    c1, c2, c3 = st.columns(3)
    c1.metric("Fit score", f"{insight.fit_score}/100")
    members = [100 * float(p) for p in (breakdown.get("members") or {}).values()]
    if len(members) == 2 and "fit_score" in confidence:
        c1.caption(
            "The two models of the ensemble (gradient-boosted trees and a neural network) gave "
            f"{members[0]:.0f} and {members[1]:.0f}; confidence "
            f"{100 * confidence['fit_score']:.0f}%."
        )
    if insight.success_probability is None:
        c2.metric("Success probability", "—")
    else:
        c2.metric("Success probability", f"{insight.success_probability}%")
        if "low" in success and "high" in success and "success_prob" in confidence:
            c2.caption(
                f"Its five calibrated models gave {100 * success['low']:.0f} to "
                f"{100 * success['high']:.0f}%; confidence "
                f"{100 * confidence['success_prob']:.0f}%. A separate estimate from the "
                "dimension scores and the role only (not tenure or gaps), so it can differ "
                "from the fit score."
            )
    c3.metric("Risk indicators", len(risks))
    c3.caption(
        " · ".join(f"{sum(r.get('severity') == s for r in risks)} {s}" for s in SEVERITY_ORDER)
    )
    st.caption(scoring.CONFIDENCE)
    scored_at = breakdown.get("scored_at")
    moment = when(datetime.fromisoformat(scored_at)) if scored_at else "an unknown time"
    trigger = breakdown.get("trigger")
    st.text(
        f"Scored by {insight.model_label} on {moment}, "
        f"{TRIGGERS.get(trigger, trigger or 'for an unknown reason')}."
    )
    if breakdown.get("scope") == "prior":
        st.text(
            "This is the prior model, trained on synthetic hiring history: the company does "
            "not have enough labelled hiring outcomes yet to train its own."
        )


def _story(story: fit_insight.FitStory | None) -> None:
    """How the overall fit relates to the dimension bars (our sentences, shown as text)."""
    if story is None:
        return
    for line in story.lines:
        st.text(line)


def _dimensions(dimensions: list[dict[str, Any]]) -> None:
    if not dimensions:
        st.info("No dimension scores stored — rescore the candidate to compute them.")
        return
    st.plotly_chart(charts.dimension_bars(dimensions), key="fit_dimensions")
    table(
        [
            {
                "Dimension": d["name"],
                "Score": d["score"],
                "Moved the fit (points)": None
                if d.get("points") is None
                else round(d["points"], 1),
                "Reasoning": d["reasoning"],
            }
            for d in dimensions
        ],
        empty="",
        column_config={"Moved the fit (points)": st.column_config.NumberColumn(format="%+.1f")},
    )


def _explanation(story: fit_insight.FitStory | None, breakdown: Mapping[str, Any]) -> None:
    if story is None:
        st.info("No explanation stored — rescore the candidate to compute it.")
        return
    st.plotly_chart(
        charts.fit_waterfall(story.points, story.names, story.base, story.score),
        key="fit_waterfall",
    )
    st.caption(
        "Each bar is what one dimension added to or took off the average candidate's score, "
        "in score points (the model's own attribution, SHAP, all scaled by one factor), so "
        "the bars add up exactly to this candidate's score."
    )
    labels = fit_insight.feature_labels()
    features = breakdown.get("features") or {}
    evidence = breakdown.get("evidence") or {}
    groups = fit_insight.feature_groups()
    with st.expander("Per feature"):
        table(
            [
                {
                    "Feature": labels.get(name, name),
                    "Dimension": story.names.get(groups.get(name, name), name),
                    "Value": None if features.get(name) is None else round(features[name], 2),
                    "Effect on the score (points)": round(points, 2),
                    "Evidence": evidence.get(name) or evidence.get(EVIDENCE_OF.get(name, "")),
                }
                for name, points in story.feature_points.items()
            ],
            empty="No per-feature explanation stored.",
        )


def _what_if(
    actor: Actor, candidate_id: uuid.UUID, current: int, breakdown: Mapping[str, Any]
) -> None:
    features = breakdown.get("features") or {}
    labels = fit_insight.feature_labels()
    with st.expander("What if…"):
        models = fit_models()
        if models is None:
            st.info(NOT_TRAINED)
            return
        st.caption(
            "Change the model's inputs and recompute: each input changes only itself, the "
            "others stay as scored. Nothing is stored."
        )
        values: dict[str, float] = {}
        with st.form(f"what_if_{candidate_id}"):
            left, right = st.columns(2)
            for name in (f for f in features if f.endswith("_fit")):
                values[name] = left.slider(
                    labels.get(name, name), 0.0, 100.0, float(features[name]), step=1.0
                )
            for name, (low, high, step) in PROFILE_INPUTS.items():
                if name in features:
                    value = float(features[name])
                    values[name] = right.number_input(
                        labels.get(name, name),
                        min(low, value),
                        max(high, value),
                        value,
                        step=step,
                    )
            submitted = st.form_submit_button("Recompute")
        if not submitted:
            return
        changes = {k: v for k, v in values.items() if v != float(features[k])}
        try:
            # The same models that produced the shown score (the prior or the company's own).
            models = model_registry.models_that_scored(uow(), actor, models, breakdown["version"])
            result = fit_insight.what_if(models, features, changes)
        except PeopleOSError as exc:
            st.error(escape_markdown(str(exc)))
            return
        st.metric("What-if fit score", f"{result.fit_score}/100", delta=result.fit_score - current)
        story = result.story
        if story is not None:
            st.plotly_chart(
                charts.fit_waterfall(
                    story.points,
                    story.names,
                    story.base,
                    story.score,
                    title="Why the what-if score",
                    end_label="What-if",
                ),
                key="fit_what_if_waterfall",
            )


def _risks(risks: list[dict[str, Any]]) -> None:
    st.markdown("**Risk indicators**")
    ordered = sorted(risks, key=lambda r: SEVERITY_ORDER.get(r.get("severity"), 3))
    table(
        [
            {"Severity": r.get("severity"), "Risk": r.get("title"), "Evidence": r.get("evidence")}
            for r in ordered
        ],
        empty="No risk indicators.",
    )


def _genome(genome: Mapping[str, Any] | None) -> None:
    st.markdown("**Talent genome**")
    if not genome or not genome.get("traits"):
        st.info("No genome yet — it is built when the candidate is scored.")
        return
    st.plotly_chart(
        charts.genome_radar(genome["traits"], genome.get("ideal") or {}), key="fit_genome"
    )
    kinds = {"must_have": "Must-have", "nice_to_have": "Nice-to-have"}
    nodes = (genome.get("skills_graph") or {}).get("nodes") or []
    table(
        [
            {
                "Skill": n.get("id"),
                "Category": n.get("category"),
                "Role asks": kinds.get(n.get("kind"), "—"),
                "Candidate": "has it" if n.get("have") else "missing",
            }
            for n in nodes
        ],
        empty="No skills found on the resume or in the role.",
    )
    table(
        [
            {"Work style": w.get("signal"), "Evidence": w.get("evidence")}
            for w in genome.get("work_style") or []
        ],
        empty="No work-style signals stated on the resume.",
    )


def _history(history: list[dict[str, Any]]) -> None:
    st.markdown("**Score history**")
    names = {"fit_score": "Fit score", "success_prob": "Success probability"}
    table(
        [
            {
                "Scored": when(h["scored_at"]),
                "What": names.get(h["type"], h["type"]),
                "Value (0-100)": round(100 * float(h["value"])),
                "Confidence": f"{100 * float(h['confidence']):.0f}%"
                if h.get("confidence") is not None
                else "—",
                "Model": h.get("model_version"),
                "Why": TRIGGERS.get(h.get("trigger"), h.get("trigger")),
            }
            for h in history
        ],
        empty="No scores recorded yet.",
    )
    if history:
        st.caption(scoring.CONFIDENCE)


def _rescore_button(actor: Actor, candidate_id: uuid.UUID) -> None:
    if not _can_rescore(actor):
        return
    if not st.button("Rescore now", key=f"rescore_{candidate_id}"):
        return
    models = fit_models()
    if models is None:
        st.error(NOT_TRAINED)
        return
    try:
        with st.spinner("Scoring…"):
            result = scoring.rescore_candidate(
                uow(), actor, candidate_id, models, datetime.now(UTC), encoder=embedder()
            )
    except PeopleOSError as exc:
        st.error(escape_markdown(str(exc)))
        return
    st.session_state[f"rescored_{candidate_id}"] = f"Rescored: fit {result.fit_score}/100."
    st.rerun()
