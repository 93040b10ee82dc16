"""Company DNA: the profile scanned from StartupOS data, its history, sync and scan."""

from datetime import UTC, datetime

import plotly.graph_objects as go
import streamlit as st

from core.permissions import Permission
from core.services import company_dna, sync, worker_jobs
from core.services.errors import PeopleOSError
from pages._components import embedder, escape_markdown, require, table, uow, when, worker_notice

actor = require(Permission.VIEW_COMPANY_DNA)
st.title("Company DNA")
view = company_dna.get_company_dna(uow(), actor)
profile = view.profile

if actor.can(Permission.RUN_COMPANY_SYNC):
    a, b, c = st.columns([1, 1, 2])
    if a.button("Scan now", type="primary"):
        with st.status("Scanning the latest StartupOS data…", expanded=True) as status:
            try:
                st.write("Reading mission and values with the language model…")
                result = company_dna.scan_company(uow(), actor, embedder(), datetime.now(UTC))
            except PeopleOSError as exc:
                status.update(label=str(exc), state="error")
            else:
                for change in result.changes:
                    st.write(escape_markdown(change))
                status.update(label="Scan complete", state="complete")
                st.rerun()
    if b.button("Sync now", help="Asks the worker to sync from StartupOS."):
        try:
            request = worker_jobs.request_job(uow(), actor, "sync")
        except PeopleOSError as exc:
            st.error(escape_markdown(str(exc)))
        else:
            st.toast(f"Sync requested ({request.status}).")
    upload = c.file_uploader("Import a StartupOS export (JSON)", type=["json"])
    if upload is not None and c.button("Import"):
        try:
            report = sync.import_for_my_company(
                uow, actor, upload.getvalue(), now=datetime.now(UTC)
            )
        except PeopleOSError as exc:
            st.error(escape_markdown(str(exc)))
        else:
            st.success(f"Imported: {company_dna.describe_sync_counts(report.counts)}.")

# Says when requested syncs and scans, and rescoring after a scan, will run, or that the
# worker is down and they wait.
worker_notice(actor, requests=("sync", "full_sync", "dna_scan", "rescore"))

if profile is None:
    st.info("No scan yet. Sync or import StartupOS data, then press Scan now.")
    st.stop()

st.caption(f"Scanned {when(view.scanned_at)} with {profile['scanner_version']}")
k1, k2, k3, k4 = st.columns(4)
k1.metric("Stage", profile["stage_label"])
team = view.team or {}
k2.metric(
    "Team",
    team.get("size", profile["team_size"]),
    help=f"Counted now: {team.get('from_startupos', 0)} on the StartupOS team list and "
    f"{team.get('from_peopleos', 0)} more employees in PeopleOS (hires among them).",
)
k3.metric("Runway (months)", profile["runway_months"] if profile["runway_months"] else "—")
velocity = profile["velocity"]
k4.metric(
    "Velocity",
    f"{velocity['label']} ({velocity['score']})" if velocity["score"] is not None else "unknown",
)

left, right = st.columns(2)
with left:
    st.subheader("Culture DNA")
    dims = profile["culture"]
    radar = go.Figure(
        go.Scatterpolar(
            r=[d["score"] for d in dims] + [dims[0]["score"]],
            theta=[d["name"] for d in dims] + [dims[0]["name"]],
            fill="toself",
        )
    )
    radar.update_layout(
        polar={"radialaxis": {"range": [0, 100]}},
        height=380,
        margin={"l": 40, "r": 40, "t": 20, "b": 20},
        showlegend=False,
    )
    st.plotly_chart(radar, width="stretch")
with right:
    st.subheader("Velocity")
    for name, label in (
        ("mrr_usd", "MRR (USD)"),
        ("headcount", "Headcount"),
        ("releases_per_month", "Releases per month"),
    ):
        series = view.metrics.get(name)
        if series:
            chart = go.Figure(
                go.Scatter(x=[m for m, _ in series], y=[v for _, v in series], mode="lines+markers")
            )
            chart.update_layout(
                title=label, height=200, margin={"l": 10, "r": 10, "t": 30, "b": 10}
            )
            st.plotly_chart(chart, width="stretch")

st.subheader("How the culture scores were read")
st.caption(profile.get("culture_formula", ""))
table(
    [
        {
            "Dimension": d["name"],
            "Score": d["score"],
            "Stated values": " · ".join(d.get("stated_values", [])) or None,
            "Sentences": " · ".join(d["evidence"]) or None,
        }
        for d in dims
    ],
    empty="No culture dimensions.",
    column_config={
        "Score": st.column_config.NumberColumn(width="small"),
        "Sentences": st.column_config.TextColumn(width="large"),
    },
)
with st.expander("How each statement was read"):
    table(
        [
            {"Statement": s["text"], "From": s["source"].replace("_", " "), "Read": s["note"]}
            for s in profile.get("statements", [])
        ],
        empty="No values, mission or values text to read.",
        column_config={"Read": st.column_config.TextColumn(width="large")},
    )

st.subheader("How velocity is scored")
table(
    [
        {
            "Input": i["label"],
            "Points": i["points"],
            "Weight": i["weight"],
            "Full marks at": i["full_marks_shown"],
            "Measured": i["shown"],
            "Period": f"{i['period'][0]} to {i['period'][1]}",
        }
        for i in velocity.get("inputs", [])
    ],
    empty=" ".join(velocity["evidence"]),
    column_config={
        "Weight": st.column_config.NumberColumn(width="small"),
        "Points": st.column_config.NumberColumn(width="small", format="%.1f"),
    },
)
st.caption(velocity.get("formula", ""))

st.subheader("Team gaps and hiring priorities")
st.caption(
    f"Counted now: {team.get('size', 0)} people on the team, {team.get('pending_hires', 0)} "
    f"hired and yet to start, {team.get('open_roles', 0)} open roles. A function anyone "
    "covers (on the team, hired or with an open role) is no gap."
)
if team.get("note"):
    st.info(escape_markdown(team["note"]))
table(
    [
        {
            "Gap": g["name"],
            "Counted": g["counted"],
            "Hire": g["priority"]["title"],
            "Priority": g["priority"]["priority"],
            "Why": g["priority"]["reason"],
        }
        for g in team.get("gaps", [])
    ],
    empty="No gaps found for this stage and team.",
)
with st.expander("Team by function"):
    table(
        [
            {
                "Function": c["label"],
                "On the team": c["team"],
                "Of whom hired through PeopleOS": c["hired"],
                "Hired, yet to start": c["pending"],
                "Open roles": c["open_roles"],
            }
            for c in team.get("coverage", [])
        ],
        empty="No team list yet.",
    )
for rec in view.recommendations or []:
    st.write(f"- {escape_markdown(rec)}")

history, syncs, requests = st.tabs(["Scan history", "Sync history", "Requests"])
history.dataframe(
    [
        {
            "When": when(s.scanned_at),
            "Scanner": s.scanner_version,
            "What changed": " ".join(s.changes),
        }
        for s in view.scans
    ],
    hide_index=True,
    width="stretch",
)
syncs.dataframe(
    [
        {
            "Started": when(s.started_at),
            "Finished": when(s.finished_at),
            "Kind": s.kind,
            "Status": s.status,
            "Received": s.summary,
            "Error": s.error,
        }
        for s in view.syncs
    ],
    hide_index=True,
    width="stretch",
)
requests.dataframe(
    [
        {
            "When": when(r.created_at),
            "What": r.kind,
            "By": r.requested_by,
            "Status": r.status,
            "Done": when(r.finished_at),
            "Error": r.error or "",
        }
        for r in worker_jobs.list_requests(uow(), actor)
    ],
    hide_index=True,
    width="stretch",
)
