"""Import candidates from CSV: upload, match the columns, preview, import all or nothing."""

from datetime import UTC, datetime

import streamlit as st
from streamlit.runtime.uploaded_file_manager import UploadedFile

from core.permissions import Permission
from core.services import imports
from core.services.errors import PeopleOSError
from pages._components import escape_markdown, require, table, uow, when, worker_notice

NOT_IN_FILE = "— not in file —"

actor = require(Permission.IMPORT_CANDIDATES)
st.title("Import candidates")
st.caption(
    "A CSV file with a header row (comma, semicolon or tab separated, up to 5 MB and "
    f"{imports.MAX_ROWS:,} rows). Candidates are matched by email: the same file imported "
    "twice adds nobody. Stage and source are set only for new candidates."
)
done = st.session_state.pop("imports_done", None)
if done is not None:
    st.success(
        f"Imported {done.rows_total} rows: {done.created} new, {done.updated} updated, "
        f"{done.unchanged} unchanged."
    )
# Imported candidates with a resume and a role are scored by the worker, not here.
worker_notice(actor, unscored=True)


def _import_step(upload: UploadedFile) -> None:
    """Match the columns, preview, and import the uploaded file."""
    data = upload.getvalue()
    try:
        preview = imports.read_csv(actor, data, upload.name)
    except PeopleOSError as exc:
        st.error(escape_markdown(str(exc)))
        return
    st.subheader("Match the columns")
    options = [None, *preview.headers]
    mapping: dict[str, str | None] = {}
    slots = st.columns(4)
    for i, (name, label) in enumerate(imports.FIELDS.items()):
        mapping[name] = slots[i % 4].selectbox(
            label + (" *" if name in imports.REQUIRED_FIELDS else ""),
            options,
            index=options.index(preview.suggested_mapping.get(name)),
            format_func=lambda c: NOT_IN_FILE if c is None else c,
            key=f"imports_map_{upload.file_id}_{name}",
        )
    try:
        plan = imports.preview_import(uow(), actor, data, upload.name, mapping)
    except PeopleOSError as exc:
        st.error(escape_markdown(str(exc)))
        return

    st.subheader("Preview")
    c1, c2, c3, c4 = st.columns(4)
    c1.metric("New", plan.count("create"))
    c2.metric("Updated", plan.count("update"))
    c3.metric("Unchanged", plan.count("unchanged"))
    c4.metric("Rows with errors", len({e.row for e in plan.errors}))
    table(
        [
            {"Row": r.row, "Action": r.action}
            | {label: r.values.get(name, "")[:80] for name, label in imports.FIELDS.items()}
            for r in plan.rows[: imports.PREVIEW_ROWS]
        ],
        empty="No rows.",
    )
    if plan.stages_kept:
        st.info(
            f"{plan.stages_kept} existing candidate(s) have another stage in the file; "
            "their stage stays as it is (move them on the Candidates page)."
        )
    errors = plan.errors
    if not errors and st.button(f"Import {plan.rows_total} candidates", type="primary"):
        try:
            with st.spinner("Importing…"):
                result = imports.commit_import(
                    uow(), actor, data, upload.name, mapping, datetime.now(UTC)
                )
        except imports.ImportRowsError as exc:
            errors = exc.errors
        except PeopleOSError as exc:
            st.error(escape_markdown(str(exc)))
        else:
            st.session_state["imports_done"] = result
            st.rerun()
    if errors:
        st.error("Fix these rows and upload the file again; nothing is imported until then.")
        table(
            [
                {"Row": e.row, "Field": imports.FIELDS.get(e.field, e.field), "Problem": e.message}
                for e in errors
            ],
            empty="",
        )


upload = st.file_uploader("CSV file", type=["csv", "txt", "tsv"], key="imports_file")
if upload is not None:
    _import_step(upload)

st.subheader("Past imports")
table(
    [
        {
            "When": when(i.created_at),
            "By": i.actor,
            "File": i.filename,
            "Rows": i.rows_total,
            "New": i.created,
            "Updated": i.updated,
            "Unchanged": i.unchanged,
        }
        for i in imports.list_imports(uow(), actor)
    ],
    empty="No imports yet.",
)
