"""UI-side helpers shared by the pages: the page gate, cached resources, formatting.

Caching lives here, never in core: the engine is a shared resource; every script run
opens its own unit of work through :func:`uow`.
"""

from __future__ import annotations

import json
import logging
import math
import re
import uuid
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

import pandas as pd
import streamlit as st

from core.config import get_settings
from core.db import Database, UnitOfWork
from core.permissions import Permission
from core.services import candidates, model_registry, worker_jobs
from core.services.auth import Actor
from core.services.errors import PeopleOSError

ROUTED_KEY = "_peopleos_routed"  # set by app.py on every run, before the page runs

# Page key (core.permissions.PAGES) -> file, title, icon, navigation section.
PAGE_FILES = {
    "overview": ("pages/overview.py", "Overview", ":material/dashboard:", "Hiring"),
    "analytics": ("pages/analytics.py", "Analytics", ":material/analytics:", "Hiring"),
    "company_dna": ("pages/company_dna.py", "Company DNA", ":material/genetics:", "Company"),
    "models": ("pages/models.py", "Models", ":material/model_training:", "Company"),
    "model_card": ("pages/model_card.py", "Model card", ":material/description:", "Company"),
    "fairness": ("pages/fairness.py", "Fairness", ":material/balance:", "Company"),
    "candidates": ("pages/candidates.py", "Candidates", ":material/groups:", "Hiring"),
    "pipeline": ("pages/pipeline.py", "Pipeline", ":material/view_kanban:", "Hiring"),
    "interviews": ("pages/interviews.py", "Interviews", ":material/event:", "Hiring"),
    "hires": ("pages/hires.py", "Hires", ":material/how_to_reg:", "Hiring"),
    "onboarding": ("pages/onboarding.py", "Onboarding", ":material/rocket_launch:", "People"),
    "retention": ("pages/retention.py", "Retention", ":material/trending_down:", "People"),
    "culture_pulse": (
        "pages/culture_pulse.py",
        "Culture pulse",
        ":material/monitor_heart:",
        "People",
    ),
    "my_onboarding": ("pages/my_onboarding.py", "My onboarding", ":material/checklist:", "You"),
    "pulse": ("pages/pulse.py", "Pulse", ":material/favorite:", "You"),
    "roles": ("pages/roles.py", "Roles", ":material/badge:", "Hiring"),
    "imports": ("pages/imports.py", "Import candidates", ":material/upload_file:", "Hiring"),
    "duplicates": ("pages/duplicates.py", "Duplicates", ":material/merge:", "Hiring"),
    "users": ("pages/users.py", "Users", ":material/manage_accounts:", "Admin"),
    "api_keys": ("pages/api_keys.py", "API keys", ":material/key:", "Admin"),
    "webhooks": ("pages/webhooks.py", "Webhooks", ":material/webhook:", "Admin"),
    "audit_log": ("pages/audit_log.py", "Audit log", ":material/policy:", "Admin"),
    "privacy_requests": (
        "pages/privacy_requests.py",
        "Privacy requests",
        ":material/shield_person:",
        "Admin",
    ),
    "account": ("pages/account.py", "My account", ":material/person:", "You"),
    "candidate": (
        "pages/candidate.py",
        "Candidate profile",
        ":material/person_search:",
        "Hiring",
    ),
}
# Pages reached from other pages (a clicked row), not from the navigation menu.
HIDDEN_PAGES = frozenset({"candidate", "model_card"})
PROFILE_PAGE = "pages/candidate.py"


def require(permission: Permission) -> Actor:
    """The acting user, or stop the page: not opened through app.py, or not allowed."""
    if not st.session_state.get(ROUTED_KEY):
        st.warning("Open PeopleOS from its home page.")
        st.page_link("app.py", label="Go to PeopleOS")
        st.stop()
    actor: Actor | None = st.session_state.get("actor")
    if actor is None:
        st.warning("Please log in.")
        st.stop()
    if not actor.can(permission):
        st.error("Your role does not allow this page.")
        st.stop()
    return actor


@st.cache_resource(show_spinner=False)
def _database(database_url: str) -> Database:
    return Database(database_url)


def uow() -> UnitOfWork:
    """A fresh unit of work on the configured database."""
    return _database(get_settings().database_url).uow()


def table(
    rows: Sequence[Mapping[str, Any]],
    *,
    empty: str,
    column_config: Mapping[str, Any] | None = None,
) -> None:
    """A full-width table of ``rows``, or ``empty`` as a note when there are none."""
    if rows:
        st.dataframe(
            pd.DataFrame(rows),
            hide_index=True,
            width="stretch",
            column_config=dict(column_config or {}),
            placeholder="—",
        )
    else:
        st.info(empty)


def score_column(label: str, help: str | None = None) -> Any:
    """A 0-100 score shown and sorted as a number; missing scores show as a dash."""
    return st.column_config.NumberColumn(label, format="%d", help=help)


def open_profile(candidate_id: uuid.UUID) -> None:
    """Go to a candidate's profile page."""
    st.switch_page(PROFILE_PAGE, query_params={"id": str(candidate_id)})


def candidate_table(
    rows: Sequence[Mapping[str, Any]],
    ids: Sequence[uuid.UUID],
    *,
    key: str,
    empty: str,
    column_config: Mapping[str, Any] | None = None,
) -> None:
    """A table of candidates; clicking a row opens that candidate's profile."""
    if not rows:
        st.info(empty)
        return
    event = st.dataframe(
        pd.DataFrame(rows),
        hide_index=True,
        width="stretch",
        column_config=dict(column_config or {}),
        placeholder="—",
        on_select="rerun",
        # A click on any cell, or on the row's checkbox, opens that row's profile.
        selection_mode=["single-row", "single-cell"],
        key=key,
    )
    selection = event.selection if event is not None else None
    picked = [*selection.rows, *(row for row, _ in selection.cells)] if selection else []
    if picked:
        open_profile(ids[picked[0]])


_MARKDOWN_SPECIALS = re.compile(r"([!-/:-@\[-`{-~])")


def escape_markdown(text: str) -> str:
    """``text`` for a widget that reads markdown (titles, metric labels), shown literally.

    Every ASCII punctuation mark gets a backslash, which CommonMark reads as that mark
    itself, so applicant text can never become a link, emphasis or a heading.
    """
    return _MARKDOWN_SPECIALS.sub(r"\\\1", " ".join(text.split()))


def signed_in_caption(actor: Actor) -> str:
    """Who is signed in, for the sidebar: their name, role and company, shown literally."""
    role = actor.role.replace("_", " ")
    return f"{escape_markdown(actor.full_name)} · {role} · {escape_markdown(actor.company_name)}"


def when(moment: datetime | None) -> str:
    """A timestamp for people: local-free, minutes precision, UTC."""
    return "—" if moment is None else moment.strftime("%Y-%m-%d %H:%M UTC")


STAGE_LABELS = {
    "pre_seed": "Pre-seed",
    "seed": "Seed",
    "series_a": "Series A",
    "series_b": "Series B",
    "series_c": "Series C",
    "growth": "Growth",
}


def job_posting_head(posting: Mapping[str, Any]) -> None:
    """Put a schema.org JobPosting into the page's <head> as JSON-LD, for crawlers.

    The JSON is a string literal in our own script; ``<``, ``>`` and ``&`` are escaped, so
    text from the posting can never close the script or become markup.
    """
    data = json.dumps(json.dumps(posting, ensure_ascii=False))
    for char, escape in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026")):
        data = data.replace(char, escape)
    st.html(
        "<script>(function(){var old=document.getElementById('peopleos-jobposting');"
        "if(old){old.remove();}var s=document.createElement('script');"
        "s.type='application/ld+json';s.id='peopleos-jobposting';"
        f"s.text={data};document.head.appendChild(s);}})();</script>",
        unsafe_allow_javascript=True,
    )


@st.cache_resource(show_spinner=False)
def _background_pool() -> ThreadPoolExecutor:
    # One thread per process: slow follow-up work queues behind itself instead of
    # competing with page runs for the two cores.
    return ThreadPoolExecutor(max_workers=1, thread_name_prefix="peopleos-background")


def in_background(work: Callable[[], object]) -> Future[object]:
    """Run ``work`` after the page has answered, in this process's background thread.

    Only for work the worker also catches up on (it is lost if the process stops).
    """

    def run() -> object:
        try:
            return work()
        except Exception as exc:
            # The type only: a message could quote a resume.
            logging.getLogger("peopleos.background").error(
                "background work failed: %s", type(exc).__name__
            )
            raise

    return _background_pool().submit(run)


@st.cache_resource(show_spinner="Loading the language model…")
def embedder() -> Any:
    """The MiniLM embedder, loaded once per process and shared (read-only)."""
    from ml.embeddings import Embedder

    return Embedder().load()


@st.cache_resource(show_spinner=False)
def _language_model_warming() -> Future[object]:
    return in_background(embedder)


def warm_language_model() -> None:
    """Start loading MiniLM in the background (once per process), so a first search by
    meaning rarely waits for it; a search that comes sooner waits with a spinner. Only for
    a browser session (with headers): script runs in tests load it when they search."""
    if st.context.headers.get("Host"):
        _language_model_warming()


@st.cache_resource(max_entries=16, show_spinner="Loading the search index…")
def _search_index(company_id: uuid.UUID, version: tuple[int, str], _actor: Actor) -> Any:
    from core.services import search

    return search.load_index(uow(), _actor)


def search_index(actor: Actor) -> Any:
    """The actor's company's search index, kept per process until its embeddings change."""
    from core.services import search

    return _search_index(actor.company_id, search.index_version(uow(), actor.company_id), actor)


@st.cache_resource(show_spinner="Loading the fit models…")
def fit_models() -> Any:
    """The trained fit and success models, loaded once per process (never trained here).

    None when they have not been trained on this machine yet; the caller says so.
    """

    try:
        # From the registry row, so every web process on any machine scores with the same.
        return model_registry.load_models(db=_database(get_settings().database_url))
    except model_registry.ModelsMissingError:
        return None


@st.cache_resource(show_spinner="Indexing reference job postings…")
def role_references() -> Any:
    """Reference postings for role intelligence, indexed once per process (read-only)."""
    from core.services import roles

    return roles.reference_index(embedder())


def candidate_list(
    page: candidates.CandidatePage,
    now: datetime,
    *,
    key: str,
    page_no: int,
    page_size: int,
    sort: str,
    contact: bool,
) -> Any:
    """One page of a candidate list as a clickable table, its caption and the page picker.

    ``contact`` adds email and role. Returns the column beside the page picker, for the
    caller's export button.
    """
    scores = page.scores_visible
    candidate_table(
        [
            {
                "Name": r.full_name or "Unnamed",
                **({"Email": r.email, "Role": r.role_title} if contact else {}),
                "Stage": r.status,
                **({"Fit": r.fit_score, "Success": r.success_probability} if scores else {}),
                "Days in stage": r.days_in_stage(now),
                "Applied": r.applied_at.date(),
                "Source": (r.source or "none").replace("_", " "),
            }
            for r in page.rows
        ],
        [r.id for r in page.rows],
        key=f"{key}_table_{page_no}",
        empty="No candidates match these filters.",
        column_config={
            "Fit": score_column("Fit", "Fit score 0-100; — not scored yet"),
            "Success": score_column("Success %", "Success probability; — not scored yet"),
        }
        if scores
        else {},
    )
    pages = max(1, math.ceil(page.total / page_size))
    st.caption(
        f"{page.total} candidate{'' if page.total == 1 else 's'} · sorted "
        f"{candidates.SORT_LABELS[sort].lower()} across all of them · page "
        f"{min(page_no, pages)} of {pages} · click a row to open the profile"
        + (" · — not scored yet" if scores else "")
    )
    left, right = st.columns([1, 5])
    left.number_input("Page", 1, pages, value=min(page_no, pages), key=f"{key}_page")
    return right


def sort_options(actor: Actor) -> list[str]:
    """The list orders the actor may use (scores only for those who see them)."""
    return [
        s
        for s in candidates.SORT_LABELS
        if actor.can(Permission.VIEW_SCORES) or s not in ("fit", "success")
    ]


def stage_move_form(actor: Actor, rows: Mapping[uuid.UUID, str], key: str) -> None:
    """Move some or all of ``rows`` (candidate id -> label) to a stage, with a reason.

    Shown only to users who may move candidates. A refused move keeps what was entered,
    next to the message; after a move the page runs again with an empty form, so what it
    shows is current, and the result is shown here.
    """
    done = st.session_state.pop(f"{key}_moved", None)
    if done:
        st.success(done)
    if not rows or not actor.can(Permission.MOVE_CANDIDATES):
        return
    # A new form (a new key) after each move empties its fields; a refusal keeps them.
    generation = st.session_state.get(f"{key}_generation", 0)
    with (
        st.expander(
            "Move to another stage" if len(rows) == 1 else "Move candidates to another stage"
        ),
        st.form(f"{key}_form_{generation}", clear_on_submit=False),
    ):
        if len(rows) > 1:
            chosen = st.multiselect("Candidates", list(rows), format_func=rows.get)
            everyone = st.checkbox(f"All {len(rows)} listed candidates")
        else:  # one candidate (their profile): nothing to choose
            chosen, everyone = list(rows), True
        target = st.selectbox("New stage", candidates.MOVABLE_STAGES)
        code = st.selectbox(
            "Rejection reason (for rejections)",
            [None, *candidates.REJECTION_CODES],
            format_func=lambda c: "—" if c is None else candidates.REJECTION_CODES[c],
        )
        why = st.text_input("Reason", max_chars=1000)
        if not st.form_submit_button("Move"):
            return
        try:
            moved = candidates.move_stage(
                uow(),
                actor,
                list(rows) if everyone else chosen,
                target,
                reason=why,
                reason_code=code,
                now=datetime.now(UTC),
            )
        except PeopleOSError as exc:
            st.error(escape_markdown(str(exc)))
            return
    st.session_state[f"{key}_moved"] = f"Moved {moved} candidate(s) to {target}."
    st.session_state[f"{key}_generation"] = generation + 1
    st.rerun()


WORKER_DOWN = (
    "The worker is not running, so this will wait until it starts: run `make run` or `make worker`."
)
# Request kind (core.models.worker.JOB_REQUEST_KINDS) -> what waits, for worker_notice.
WAITING_REQUESTS = {
    "sync": "a StartupOS sync",
    "full_sync": "a full StartupOS sync",
    "dna_scan": "a DNA scan",
    "rescore": "rescoring candidates after a role or DNA change",
    "retrain": "retraining the models (Retrain now)",
}


def worker_notice(actor: Actor, *, requests: Sequence[str] = (), unscored: bool = False) -> None:
    """Say what of this page's work waits for the worker, and when it will happen.

    ``requests``: the request kinds this page queues; ``unscored``: candidates waiting for
    their first score. The timing is promised only while a worker holds a live lease;
    otherwise the notice says that nothing happens until one starts. Silent when nothing
    waits.
    """
    work = worker_jobs.waiting_work(uow(), actor, datetime.now(UTC))
    down = WORKER_DOWN
    if work.worker.last_heartbeat is not None:
        down += f" Its last heartbeat: {when(work.worker.last_heartbeat)}."
    waiting = [WAITING_REQUESTS[kind] for kind in requests if work.requests.get(kind)]
    if waiting:
        what = "Waiting for the worker: " + ", ".join(waiting) + "."
        if work.worker.running:
            every = work.requests_every.total_seconds()
            st.info(f"{what} The worker picks up requests every {every:g} seconds.")
        else:
            st.warning(f"{what} {down}")
    if unscored and work.unscored:
        capped = work.unscored >= worker_jobs.UNSCORED_COUNT_CAP
        what = f"{work.unscored:,}{'+' if capped else ''} candidate(s) wait for a first fit score."
        if work.worker.running:
            minutes = work.scoring_every.total_seconds() / 60
            st.info(
                f"{what} The worker scores waiting candidates every {minutes:g} minutes, "
                f"up to {worker_jobs.SCORE_UNSCORED_LIMIT:,} at a time."
            )
        else:
            st.warning(f"{what} {down}")
