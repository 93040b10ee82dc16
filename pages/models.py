"""Models: the registered model versions, their held-out accuracy and calibration, accuracy
from outcomes (over time too), the A/B test with retrain / promote / roll back, and feature
importance."""

from typing import Any

import pandas as pd
import streamlit as st

from core.permissions import Permission
from core.services import model_accuracy, model_registry, scoring
from core.services.errors import PeopleOSError
from pages._components import escape_markdown, fit_models, require, table, uow, when
from pages._fit_charts import reliability_curve
from pages._models_view import ab_test, accuracy_over_time, actions, feature_importance

actor = require(Permission.VIEW_MODELS)
st.title("Models")
try:
    overview = model_registry.list_models(uow(), actor)
except PeopleOSError as exc:
    st.error(escape_markdown(str(exc)))
    st.stop()
if not overview.versions:
    st.info(
        "No models are registered yet — run `python -m core.cli models train` "
        "(make run does it for you), then come back."
    )
    st.stop()

# The fit model scoring the company now: its own champion, else the shared prior.
serving = sorted(
    (m for m in overview.versions if m.name == scoring.FIT_MODEL and m.status == "champion"),
    key=lambda m: m.scope != "company",
)
fit = serving[0] if serving else None
if fit is None:
    st.info("No fit model is registered yet — run `python -m core.cli models train`.")
else:
    m = fit.metrics
    with st.container(border=True):
        st.subheader(f"Fit ensemble · {fit.version} ({fit.scope}, {fit.status})")
        c = st.columns(5)
        for col, label, key in (
            (c[0], "Held-out AUC", "auc"),
            (c[1], "Bayes AUC", "bayes_auc"),
            (c[2], "Trees alone", "xgboost_auc"),
            (c[3], "Neural net alone", "mlp_auc"),
        ):
            col.metric(label, "—" if m.get(key) is None else f"{m[key]:.3f}")
        ratio = m.get("auc_ratio")
        c[4].metric("Share of best possible", "—" if ratio is None else f"{100 * ratio:.1f}%")
        st.caption(
            f"{fit.held_out} The Bayes AUC is the best any model can reach on that data (chance "
            "in the outcomes caps it); the share of best possible is the held-out AUC divided "
            "by it. The ensemble averages two models, gradient-boosted trees (XGBoost) and a "
            "small neural network (MLP), shown alone for comparison."
        )
        st.caption(scoring.CONFIDENCE)
        st.text(
            f"Trained on {m.get('trained_on', 'an unknown sample')} · "
            f"{m.get('n_train', '?')} training and {m.get('n_test', '?')} held-out hires · "
            f"trained {when(fit.trained_at)}"
        )
    success = m.get("success") or {}
    with st.container(border=True):
        st.subheader("Success model calibration")
        if not success.get("predicted"):
            st.info("No reliability curve recorded for this model version.")
        else:
            s1, s2 = st.columns(2)
            s1.metric("Brier score", f"{success['brier']:.3f}", help="Lower is better.")
            s2.metric("Success AUC", f"{success['auc']:.3f}")
            st.plotly_chart(reliability_curve(success), key="models_reliability")
            st.caption(fit.held_out)

st.subheader("Accuracy from outcomes")
measured = model_accuracy.accuracy_from_outcomes(uow(), actor)


def _figure(e: Any) -> str:
    """A figure with its bootstrap 95 % interval, or a dash when it cannot be computed."""
    if e is None:
        return "—"
    if e.n < 2:
        return f"{e.value:.3f} (one outcome: no interval)"
    return f"{e.value:.3f} ({e.low:.3f}–{e.high:.3f})"


if not measured:
    st.info(
        "No outcome is recorded against a prediction yet, so no accuracy can be measured "
        "from real outcomes: record hire outcomes (Hires) or let retention horizons pass."
    )
else:
    total = sum(m.accuracy.n for m in measured)
    st.caption(
        f"Measured only from this company's predictions that have an outcome: rests on "
        f"{total:,} outcomes (a person scored several times by a version counts once, by "
        "the latest score). Brackets hold bootstrap 95 % intervals (1,000 resamples); AUC, "
        "Brier and calibration use success/failure (left/stayed) outcomes only, the mean "
        "absolute error every outcome on the 0-100 scale. With fewer than 30 outcomes the "
        "intervals are wide: read the figures as a first sign, not a verdict. " + scoring.CONFIDENCE
    )
    table(
        [
            {
                "Version": m.model_version,
                "Prediction": m.kind,
                "Outcomes": m.accuracy.n,
                "Yes/no outcomes": m.accuracy.n_binary,
                "AUC (95 % CI)": _figure(m.accuracy.auc),
                "Brier (95 % CI)": _figure(m.accuracy.brier),
                "MAE, 0-100 (95 % CI)": _figure(m.accuracy.mae),
            }
            for m in measured
        ],
        empty="No outcomes.",
    )
    labels = [f"{m.kind} · {m.model_version} ({m.accuracy.n_binary} outcomes)" for m in measured]
    pick = st.selectbox("Calibration of", range(len(measured)), format_func=labels.__getitem__)
    bins = measured[pick].accuracy.calibration
    if not bins:
        st.info("No success/failure outcomes for this version: no calibration to draw.")
    else:
        curve = reliability_curve(
            {
                "predicted": [b.mean_predicted for b in bins],
                "observed": [b.observed_rate for b in bins],
                "counts": [b.n for b in bins],
            }
        )
        curve.data[-1].name = labels[pick]
        curve.update_layout(title="Calibration from recorded outcomes")
        st.plotly_chart(curve, key="models_outcome_calibration")

accuracy_over_time(actor)
ab = ab_test(actor)
actions(
    actor,
    ab,
    [
        (v.version, "the shared prior" if v.scope == "prior" else v.status)
        for v in overview.versions
        if v.name == scoring.FIT_MODEL
    ],
)
feature_importance(actor, fit_models())

st.subheader("Registered versions")
rows = [
    {
        "Name": v.name,
        "Version": v.version,
        "Status": v.status,
        "Scope": v.scope,
        "Trained at": when(v.trained_at),
    }
    for v in overview.versions
]
table(rows, empty="No model versions registered.")
for v in overview.versions:
    refused = v.metrics.get("promotion_refused") if v.name == scoring.FIT_MODEL else None
    if refused:
        st.error(
            f"{escape_markdown(v.version)} was better on held-out hires but stays a challenger: "
            "it would lower impact ratios.\n"
            + "\n".join(f"• {escape_markdown(str(r))}" for r in refused)
        )
        if st.button(f"Model card of {escape_markdown(v.version)}", key=f"card_{v.version}"):
            st.switch_page("pages/model_card.py", query_params={"version": v.version})
if st.button(
    "Model cards: intended use, features, calibration, impact ratios, proxy check",
    icon=":material/description:",
):
    st.switch_page("pages/model_card.py")
st.download_button(
    "Export CSV",
    pd.DataFrame(rows).to_csv(index=False),
    file_name="model_versions.csv",
    mime="text/csv",
)
have, need = overview.labelled_outcomes, overview.min_company_outcomes
st.progress(
    min(1.0, have / need) if need else 1.0,
    text=f"{have} labelled hiring outcomes recorded; the company's own model needs {need}."
    + (" Enough to train it." if have >= need else " Until then scores come from the prior."),
)
if have >= need:
    st.text(
        "Train it from a terminal (it is adopted only if it beats the prior on held-out hires):\n"
        f'python -m core.cli models train --company "{actor.company_name}"'
    )
