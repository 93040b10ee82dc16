"""Model card of one fit model version (opened from Models with ?version=): intended use,
data window, features, excluded attributes, metrics, calibration, the promotion guard, and
for founders and admins the impact ratios and the proxy check on the company's data."""

from datetime import UTC, datetime

import streamlit as st

from core.permissions import Permission
from core.services import fairness
from core.services.errors import PeopleOSError
from pages._components import escape_markdown, fit_models, require, table, uow, when
from pages._fairness_view import RULES, impact_tables
from pages._fit_charts import reliability_curve

actor = require(Permission.VIEW_MODELS)
st.title("Model card")
try:
    versions = fairness.fit_versions(uow(), actor)
    if not versions:
        st.info("No fit model is registered yet — run `python -m core.cli models train`.")
        st.stop()
    wanted = st.query_params.get("version", versions[0])
    version = st.selectbox(
        "Version", versions, index=versions.index(wanted) if wanted in versions else 0
    )
    card = fairness.model_card(uow(), actor, fit_models(), version, datetime.now(UTC))
except PeopleOSError as exc:
    st.error(escape_markdown(str(exc)))
    st.stop()

st.subheader(f"Fit ensemble {escape_markdown(card.version)} ({card.scope}, {card.status})")
st.text(f"Intended use: {card.intended_use}")
st.text(f"Data window: {card.data_window} Registered {when(card.trained_at)}.")
if card.promotion:
    st.error(
        "Not promoted: better on held-out hires, but it would lower impact ratios.\n"
        + "\n".join(f"• {escape_markdown(r)}" for r in card.promotion)
    )
with st.expander(f"Features ({len(card.features)}) and excluded attributes"):
    st.text("Features: " + ", ".join(card.features))
    st.text("Never a model input: " + ", ".join(card.excluded))
st.markdown("**Metrics**")
table([{"Metric": k, "Value": v} for k, v in card.metrics.items()], empty="None recorded.")
st.markdown("**Calibration (success model trained with it)**")
if card.calibration and card.calibration.get("predicted"):
    st.plotly_chart(reliability_curve(card.calibration), key="card_reliability")
else:
    st.text("No reliability curve was recorded for this version.")

st.markdown("**Impact ratios of the fit score and proxy check**")
if not card.fairness_shown:
    st.info("Impact ratios and the proxy check are shown to founders and admins.")
elif not card.measured_on:
    st.info("No self-identified candidate with a stored score to measure on yet.")
else:
    st.caption(
        f"Measured on the {card.measured_on} self-identified candidates with a stored score, "
        f"scored by this version. {RULES}"
    )
    impact_tables(card.impact, key="card")
    st.caption(
        f"Proxy check: how well each feature alone tells one group from everyone else (AUC, "
        f"0.5 = not at all); above {card.proxy_threshold} is flagged. Groups with fewer than "
        "10 members are not measured."
    )
    table(
        [
            {
                "Feature": p.feature,
                "Attribute": p.attribute,
                "Group": p.group,
                "Members": p.members,
                "AUC": None if p.auc is None else round(p.auc, 3),
                "Flag": "proxy" if p.flagged else "",
            }
            for p in sorted(card.proxies, key=lambda p: -(p.auc or 0))
        ],
        empty="No proxy check.",
    )
st.markdown("**Known limits**")
for limit in card.known_limits:
    st.text(f"• {limit}")
