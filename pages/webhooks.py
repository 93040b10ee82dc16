"""Webhooks (admins): the URLs that hear of this company's events, and the delivery log."""

from datetime import UTC, datetime

import streamlit as st

from core.permissions import Permission
from core.services import exports, webhook_delivery, webhooks
from core.services.errors import PeopleOSError
from pages._components import escape_markdown, require, table, uow, when

actor = require(Permission.MANAGE_USERS)
st.title("Webhooks")
st.caption(
    "PeopleOS posts an event to each URL registered for it: a candidate applied, a "
    "candidate's stage changed, a hire's outcome was recorded, a model was promoted. Bodies "
    "hold ids and codes only (no names or emails); fetch details with the REST API. Each "
    "request is signed with the endpoint's secret; a failed delivery is tried again "
    f"{webhooks.retry_schedule()} later (each wait after the previous try) before it is "
    "marked failed."
)

fresh = st.session_state.pop("webhook_secret", None)
if fresh:
    st.success("Endpoint registered. Copy its signing secret now: it is shown only this once.")
    st.code(fresh, language=None)

endpoints = webhooks.list_endpoints(uow(), actor)
table(
    [
        {
            "Receiver": e.description,
            "Host": e.host,
            "Events": ", ".join(e.events),
            "Made by": e.created_by,
            "Made": when(e.created_at),
            "State": f"disabled {when(e.disabled_at)}" if e.disabled_at else "live",
        }
        for e in endpoints
    ],
    empty="No endpoints yet. Register one below for each system that should hear of events.",
)

register, manage = st.columns(2)
with register, st.form("register_webhook", clear_on_submit=True):
    st.subheader("Register an endpoint")
    url = st.text_input("URL", help="https only; the path and query are kept encrypted.")
    events = st.multiselect("Events", list(webhooks.EVENTS), default=list(webhooks.EVENTS))
    description = st.text_input("Who receives it", max_chars=webhooks.MAX_DESCRIPTION_LENGTH)
    if st.form_submit_button("Register"):
        try:
            _, secret = webhooks.register_endpoint(
                uow(), actor, url, events, description, datetime.now(UTC)
            )
        except PeopleOSError as exc:
            st.error(escape_markdown(str(exc)))
        else:
            st.session_state["webhook_secret"] = secret
            st.rerun()

with manage:
    st.subheader("Test or disable")
    live = {e.id: e for e in endpoints if e.disabled_at is None}
    if not live:
        st.caption("No live endpoints.")
    else:
        chosen = st.selectbox(
            "Endpoint", list(live), format_func=lambda i: f"{live[i].description} ({live[i].host})"
        )
        test, disable = st.columns(2)
        if test.button("Send a test event"):
            try:
                webhooks.send_test(uow(), actor, chosen, datetime.now(UTC))
            except PeopleOSError as exc:
                st.error(escape_markdown(str(exc)))
            else:
                st.toast("Test event queued: the worker sends it on its next outbox run.")
                st.rerun()
        if disable.button("Disable", type="primary"):
            try:
                webhooks.disable_endpoint(uow(), actor, chosen, datetime.now(UTC))
            except PeopleOSError as exc:
                st.error(escape_markdown(str(exc)))
            else:
                st.rerun()

st.subheader("Delivery log")
status = st.selectbox(
    "Status", ["all", *webhooks.DELIVERY_STATUSES], help="pending: waiting for its next try"
)
deliveries = webhooks.list_deliveries(
    uow(), actor, status=None if status == "all" else status, limit=200
)
rows = [
    {
        "Queued": when(d.created_at),
        "Event": d.event,
        "Endpoint": d.endpoint,
        "Status": d.status,
        "Attempts": d.attempts,
        "Last error": d.last_error or "",
        "Next try": when(d.next_attempt_at) if d.next_attempt_at else "",
        "Delivered": when(d.sent_at) if d.sent_at else "",
    }
    for d in deliveries
]
table(rows, empty="No deliveries yet: events are queued here as they happen.")
if rows:
    noun = "delivery" if len(rows) == 1 else "deliveries"
    st.caption(f"The latest {len(rows)} {noun} (at most 200 are shown).")
    st.download_button(
        "Download CSV",
        exports.csv_text(list(rows[0]), [list(r.values()) for r in rows]),
        file_name="webhook-deliveries.csv",
        mime="text/csv",
    )

with st.expander("Verify a delivery on your side"):
    st.write(
        f"Each request carries `{webhook_delivery.SIGNATURE_HEADER}: t=<unix time>,v1=<hex>`: the "
        "HMAC-SHA256, keyed with the endpoint's secret, of the time, a dot and the raw body. "
        "Refuse a time more than 5 minutes old. "
        f"`{webhook_delivery.DELIVERY_HEADER}` is the same on every try of one delivery: keep "
        "it to ignore a repeat."
    )
    st.code(
        "import hashlib, hmac, time\n"
        "def verified(secret: str, header: str, body: bytes) -> bool:\n"
        "    fields = dict(p.split('=', 1) for p in header.split(','))\n"
        "    t = int(fields['t'])\n"
        "    mac = hmac.new(secret.encode(), f'{t}.'.encode() + body, hashlib.sha256)\n"
        "    return abs(time.time() - t) <= 300 and hmac.compare_digest(\n"
        "        mac.hexdigest(), fields['v1'])\n",
        language="python",
    )
