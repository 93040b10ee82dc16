"""Command line: `python -m core.cli <group> <command> ...`."""

from __future__ import annotations

import argparse
import csv
import getpass
import io
import json
import sys
import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from core import cli_api_keys
from core.config import DEFAULT_DEMO_PASSWORD, PROJECT_ROOT, Settings, SettingsError, get_settings
from core.db import Database
from core.integrations.startupos import StartupOSClient
from core.integrations.startupos_fake import FakeStartupOS
from core.permissions import ROLES
from core.services import (
    analytics,
    auth,
    company_dna,
    database,
    imports,
    model_registry,
    prior_cache,
    roles,
    scoring,
    search,
    sync,
    users,
)
from core.services.errors import PeopleOSError, ValidationError

DEMO_EXPORT_AS_OF = date(2026, 11, 1)
# What ensure_prior did, in words.
_PRIOR_OUTCOMES = {
    "loaded": "loaded",
    "trained": "trained",
    "cached": "copied from this machine's cache of priors",
}


def _out(text: str = "") -> None:
    sys.stdout.write(text + "\n")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m core.cli", description="PeopleOS admin CLI")
    groups = parser.add_subparsers(dest="group", required=True)

    db = groups.add_parser("db", help="schema migrations").add_subparsers(dest="cmd", required=True)
    up = db.add_parser("upgrade", help="migrate to the newest schema (or --revision)")
    up.add_argument("--revision", default="head")
    down = db.add_parser("downgrade", help="migrate down (default: base, drops every table)")
    down.add_argument("--revision", default="base")
    db.add_parser("current", help="show the current and the newest revision")
    db.add_parser("analyze", help="refresh the query planner's statistics (after bulk loads)")

    dm = groups.add_parser("demo", help="demo data").add_subparsers(dest="cmd", required=True)
    seed = dm.add_parser("seed", help="load the synthetic demo world")
    seed.add_argument("--companies", type=int, default=3)
    seed.add_argument("--candidates", type=int, default=400)
    seed.add_argument("--seed", type=int, default=7)
    seed.add_argument(
        "--as-of", type=date.fromisoformat, default=None, help="world date (default: today, UTC)"
    )
    seed.add_argument(
        "--reset",
        action="store_true",
        help="WIPE every table except the audit log before loading the demo",
    )
    seed.add_argument(
        "--if-empty", action="store_true", help="do nothing when the database holds any company"
    )
    ex = dm.add_parser("export-startupos", help="write the demo companies as a StartupOS export")
    ex.add_argument("path")
    ex.add_argument("--companies", type=int, default=3)
    ex.add_argument("--candidates", type=int, default=400)
    ex.add_argument("--seed", type=int, default=7)
    ex.add_argument("--as-of", type=date.fromisoformat, default=DEMO_EXPORT_AS_OF)

    sy = groups.add_parser("sync", help="StartupOS sync").add_subparsers(dest="cmd", required=True)
    run = sy.add_parser("run", help="sync one company from PEOPLEOS_STARTUPOS_URL")
    run.add_argument("--company", required=True, help="StartupOS company id, or a company name")
    run.add_argument("--full", action="store_true", help="ignore the incremental cursor")
    imp = sy.add_parser("import-file", help="import a StartupOS export file")
    imp.add_argument("path")

    fake = groups.add_parser("startupos-fake", help="serve the demo data over the StartupOS API")
    fake.add_argument("--port", type=int, default=8765)
    fake.add_argument("--host", default="127.0.0.1")
    fake.add_argument("--token", default="demo-token")
    fake.add_argument("--export", default=str(PROJECT_ROOT / "data" / "startupos_demo_export.json"))

    cli_api_keys.add_parser(groups)

    us = groups.add_parser("users", help="user accounts").add_subparsers(dest="cmd", required=True)
    create = us.add_parser("create", help="add a user (password read from a prompt or stdin)")
    create.add_argument("--company", required=True, help="company name or id")
    create.add_argument("--username", required=True)
    create.add_argument("--email", required=True)
    create.add_argument("--name", required=True, help="full name")
    create.add_argument("--role", required=True, choices=ROLES)
    create.add_argument("--password-stdin", action="store_true")
    listing = us.add_parser("list", help="list the users of a company")
    listing.add_argument("--company", required=True, help="company name or id")
    disable = us.add_parser("disable", help="disable a user; their sessions end")
    disable.add_argument("username")
    enable = us.add_parser("enable", help="enable a disabled user")
    enable.add_argument("username")
    role = us.add_parser("set-role", help="change a user's role")
    role.add_argument("username")
    role.add_argument("role", choices=ROLES)
    reset = us.add_parser("reset-password", help="set a new password; their sessions end")
    reset.add_argument("username")
    reset.add_argument("--password-stdin", action="store_true")

    ca = groups.add_parser("candidates", help="candidates").add_subparsers(
        dest="cmd", required=True
    )
    cimp = ca.add_parser("import", help="import candidates from a CSV file (all rows or none)")
    cimp.add_argument("path", help="the CSV file (header row first)")
    cimp.add_argument("--company", required=True, help="company name or id")
    cimp.add_argument(
        "--map",
        action="append",
        default=[],
        metavar="FIELD=COLUMN",
        help=f"map a field ({', '.join(imports.FIELDS)}) to a CSV column; "
        "FIELD= leaves it out. Default: guessed from the header names",
    )
    cimp.add_argument("--dry-run", action="store_true", help="show the plan, write nothing")
    score = ca.add_parser("score", help="score (again) every candidate of a company")
    score.add_argument("--company", required=True, help="company name or id")

    hi = groups.add_parser("hires", help="hires and their outcomes").add_subparsers(
        dest="cmd", required=True
    )
    hout = hi.add_parser("outcome", help="record a hire's real outcome")
    hout.add_argument("--company", required=True, help="company name or id")
    hout.add_argument("--email", required=True, help="the hired candidate's email")
    hout.add_argument("--outcome", required=True, choices=("success", "failure", "neutral"))
    hout.add_argument("--left-on", type=date.fromisoformat, help="leave date (YYYY-MM-DD)")
    hout.add_argument("--reason", default="", help="why, in a sentence")

    pi = groups.add_parser("pipeline", help="role pipelines").add_subparsers(
        dest="cmd", required=True
    )
    pex = pi.add_parser(
        "export", help="write a pipeline (one role, or every role) as CSV, with days in stage"
    )
    pex.add_argument("--company", required=True, help="company name or id")
    pex.add_argument("--role", help="role id (default: every role)")
    pex.add_argument("--stage", action="append", default=[], help="only this stage (repeatable)")
    pex.add_argument("--min-days", type=int, default=0, help="at least this many days in stage")
    pex.add_argument("--csv", required=True, help="the file to write ('-' for standard output)")

    mo = groups.add_parser("models", help="fit and success models").add_subparsers(
        dest="cmd", required=True
    )
    train = mo.add_parser("train", help="train the prior models on the synthetic history")
    train.add_argument(
        "--if-missing", action="store_true", help="do nothing when the artifact exists"
    )
    train.add_argument(
        "--company",
        help="train this company's own models from its labelled hires instead of the prior",
    )
    mo.add_parser("evaluate", help="held-out metrics of the prior models, as JSON")
    retrain = mo.add_parser(
        "retrain",
        help="retrain a company's models from its outcomes and register them as challengers",
    )
    retrain.add_argument("--company", required=True, help="company name or id")
    retrain.add_argument(
        "--kind",
        choices=("fit", "success", "retention"),
        action="append",
        help="which model (fit and success are trained together); default: all",
    )
    mlist = mo.add_parser("list", help="a company's model registry, as the Models page shows it")
    mlist.add_argument("--company", required=True, help="company name or id")
    mlist.add_argument("--json", action="store_true", help="print it as JSON")

    re_ = groups.add_parser("retention", help="retention risk").add_subparsers(
        dest="cmd", required=True
    )
    bt = re_.add_parser("backtest", help="cross-validate the retention model on an HRIS CSV")
    bt.add_argument("--csv", required=True, help="the export, one row per employee (record)")
    bt.add_argument("--target", required=True, help="the column that says who left")
    bt.add_argument("--positive", help="the target value that means leaving (default: 1/Yes/True)")
    bt.add_argument("--id-column", help="person id: records sharing it stay in one fold")
    bt.add_argument("--time-column", help="also fit on the earliest 80%% and test on the rest")
    bt.add_argument("--drop", nargs="+", default=[], metavar="C", help="columns to leave out")
    bt.add_argument(
        "--join", action="append", default=[], metavar="FILE:KEY", help="left-join FILE on KEY"
    )
    bt.add_argument("--folds", type=int, default=5)
    bt.add_argument("--repeats", type=int, default=3)
    bt.add_argument("--model", choices=("logistic", "boosting"), default="logistic")

    pv = groups.add_parser("privacy", help="personal data").add_subparsers(
        dest="cmd", required=True
    )
    rk = pv.add_parser(
        "rotate-key",
        help="re-encrypt every encrypted value under the first key of PEOPLEOS_DATA_KEY "
        "(resumable: run it again after a stop)",
    )
    rk.add_argument("--batch-size", type=int, default=500, help="rows per transaction")
    rk.add_argument("--max-batches", type=int, help="stop after this many transactions")
    pexp = pv.add_parser("export", help="everything held about a person, as JSON (GDPR access)")
    pexp.add_argument("--company", required=True, help="company name or id")
    pexp.add_argument("--email", required=True, help="the person's email")
    pexp.add_argument("--out", default="-", help="the file to write ('-': standard output)")
    per = pv.add_parser("erase", help="erase a person's data everywhere (GDPR erasure)")
    per.add_argument("--company", required=True, help="company name or id")
    per.add_argument("--email", required=True, help="the person's email")
    per.add_argument("--yes", action="store_true", help="erase (without it: say what would go)")
    pret = pv.add_parser("retention", help="erase applications nobody hired after N days")
    mode = pret.add_mutually_exclusive_group(required=True)
    mode.add_argument("--dry-run", action="store_true", help="list them, change nothing")
    mode.add_argument("--apply", action="store_true", help="erase them")
    pret.add_argument("--days", type=int, help="default: PEOPLEOS_CANDIDATE_RETENTION_DAYS")

    ba = groups.add_parser(
        "bias-audit", help="selection rates and impact ratios of a decisions CSV, as JSON"
    )
    ba.add_argument("--csv", required=True, help="the decisions export, one row per decision")
    ba.add_argument(
        "--group-column",
        action="append",
        required=True,
        metavar="COL",
        help="a group column (give two: their intersection)",
    )
    ba.add_argument("--outcome-column", required=True, metavar="COL")
    ba.add_argument("--positive", help="the outcome value that means selected (default: 1/yes)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = get_settings()
        if args.group == "db":
            return _db(args, settings.database_url)
        if args.group == "users":
            return _users(args, settings.database_url)
        if args.group == "api-keys":
            return cli_api_keys.run(args, settings.database_url, _out)
        if args.group == "sync":
            return _sync(args, settings)
        if args.group == "startupos-fake":
            return _fake(args)
        if args.group == "candidates":
            return _candidates(args, settings.database_url)
        if args.group == "models":
            return _models(args, settings)
        if args.group == "pipeline":
            return _pipeline(args, settings.database_url)
        if args.group == "hires":
            return _hires(args, settings.database_url)
        if args.group == "retention":
            return _retention(args)
        if args.group == "privacy" and args.cmd == "rotate-key":
            return _rotate_key(args, settings.database_url)
        if args.group == "privacy":
            return _privacy(args, settings.database_url)
        if args.group == "bias-audit":
            return _bias_audit(args)
        return _demo(args, settings)
    except (SettingsError, PeopleOSError) as exc:
        sys.stderr.write(f"error: {exc}\n")
        return 2


def _privacy(args: argparse.Namespace, url: str) -> int:
    """``privacy export|erase|retention``: a person's data, and the retention rule."""
    from core.services import privacy

    db = Database(url)
    now = datetime.now(UTC)
    try:
        if args.cmd == "retention":
            if args.dry_run:
                items = privacy.list_expired(db.uow(), now, args.days)
                for item in items:
                    _out(
                        f"{item.company_id} person {item.person_id}: {len(item.candidate_ids)} "
                        f"application(s), last {item.last_applied:%Y-%m-%d}, "
                        f"expired {item.expired_on:%Y-%m-%d}"
                    )
                _out(f"{len(items)} person(s) past retention; nothing changed (dry run).")
            else:
                done = privacy.purge_expired_applications(db.uow(), now, args.days)
                _out(f"Erased {done['deleted']} application(s) of {done['people']} person(s).")
            return 0
        actor = auth.system_actor(db.uow(), company=args.company)
        if args.cmd == "export":
            text = privacy.export_json(privacy.export_person(db.uow(), actor, args.email, now))
            if args.out == "-":
                _out(text)
            else:
                Path(args.out).write_text(text + "\n", encoding="utf-8")
            return 0
        if not args.yes:
            report = privacy.preview_erasure(db.uow(), actor, args.email)
            _out(_erasure_lines(report))
            _out("Nothing erased: run again with --yes to erase.")
            return 1
        report = privacy.erase_person(db.uow(), actor, args.email, now)
        _out(_erasure_lines(report))
        return 0
    finally:
        db.dispose()


def _erasure_lines(report: Any) -> str:
    """A privacy.ErasureReport, done or previewed, as lines of counts."""
    verb = "Erased" if report.done else "Would erase"
    lines = [f"{verb}: {report.applications} application(s) (rows kept anonymised for counts)"]
    lines += [f"  deleted {name}: {n}" for name, n in report.rows_deleted.items() if n]
    lines += [f"  anonymised {name}: {n}" for name, n in report.rows_anonymised.items() if n]
    lines.append(f"  outbox messages deleted: {report.notifications_deleted}")
    lines.append(f"  audit entries scrubbed: {report.audit_rows_scrubbed}")
    return "\n".join(lines)


def _rotate_key(args: argparse.Namespace, url: str) -> int:
    from core.services import encryption

    if args.batch_size < 1 or (args.max_batches is not None and args.max_batches < 1):
        raise ValidationError("--batch-size and --max-batches must be at least 1.")

    def progress(column: str, checked: int, done: int) -> None:
        _out(f"{column}: {checked} checked, {done} re-encrypted")

    database = Database(url)
    try:
        report = encryption.rotate_data_key(
            database.uow(),
            batch_size=args.batch_size,
            max_batches=args.max_batches,
            progress=progress,
        )
        counts = encryption.data_key_counts(database.uow())
    finally:
        database.dispose()
    total = sum(report.reencrypted.values())
    if not report.finished:
        _out(
            f"Stopped after {report.batches} batch(es), {total} value(s) re-encrypted; "
            "run it again to go on."
        )
        return 0
    _out(f"Done: {total} value(s) re-encrypted under key {report.key_id}.")
    for column, by_key in counts.items():
        held = ", ".join(f"{n} under {key}" for key, n in sorted(by_key.items())) or "empty"
        _out(f"  {column}: {held}")
    return 0


def _bias_audit(args: argparse.Namespace) -> int:
    """``bias-audit``: the Fairness page's figures for a decisions file of any system."""
    from core.services import fairness

    report = fairness.audit_decisions_file(
        args.csv, args.group_column, args.outcome_column, args.positive
    )
    _out(json.dumps(report, indent=2))
    return 0


def _retention(args: argparse.Namespace) -> int:
    from ml.retention_backtest import BacktestInputError, BacktestOptions, backtest

    joins = []
    for spec in args.join:
        file, sep, key = spec.rpartition(":")
        if not sep or not file or not key:
            raise ValidationError(f"--join takes FILE:KEY, not '{spec}'.")
        joins.append((file, key))
    options = BacktestOptions(
        target=args.target,
        positive=args.positive,
        id_column=args.id_column,
        time_column=args.time_column,
        drop=tuple(args.drop),
        joins=tuple(joins),
        folds=args.folds,
        repeats=args.repeats,
        model=args.model,
    )
    try:
        report = backtest(args.csv, options)
    except BacktestInputError as exc:
        raise ValidationError(str(exc)) from None
    _out(json.dumps(report, indent=2))
    return 0


def _db(args: argparse.Namespace, url: str) -> int:
    if args.cmd == "upgrade":
        database.upgrade(url, args.revision)
        _out(f"Database at revision {database.current_revision(url)}.")
    elif args.cmd == "downgrade":
        database.downgrade(url, args.revision)
        _out(f"Database at revision {database.current_revision(url) or 'base (empty)'}.")
    elif args.cmd == "analyze":
        database.analyze(url)
        _out("Refreshed the query planner's statistics.")
    else:
        _out(f"current: {database.current_revision(url)}  head: {database.head_revision()}")
    return 0


def _demo(args: argparse.Namespace, settings: Settings) -> int:
    from core.services import demo  # loads the ML stack; only this command needs it

    if args.cmd == "export-startupos":
        export = demo.export_startupos(
            companies=args.companies, candidates=args.candidates, seed=args.seed, as_of=args.as_of
        )
        Path(args.path).write_text(json.dumps(export, indent=1, sort_keys=True) + "\n")
        _out(f"Wrote {len(export['companies'])} companies to {args.path}.")
        return 0
    url = settings.database_url
    db = Database(url)
    try:
        if args.reset:
            _out("--reset: wiping every table except the audit log before loading the demo.")
        report = demo.seed_demo(
            db.uow(),
            companies=args.companies,
            candidates=args.candidates,
            seed=args.seed,
            as_of=args.as_of or datetime.now(UTC).date(),
            password=settings.demo_password,
            reset=args.reset,
            if_empty=args.if_empty,
            environment=settings.environment,
        )
    finally:
        db.dispose()
    _out(report.message)
    if report.created:
        _scan_demo_companies(url)
    if report.wiped is not None:
        _out(f"Wiped: {json.dumps(report.wiped)}")
    if report.created:
        _out(f"Rows: {json.dumps(report.counts)}")
        _out(
            f"Ground-truth Bayes AUC {report.bayes_auc:.3f}; "
            f"baseline model AUC {report.baseline_auc:.3f} (synthetic hold-out)."
        )
    if report.logins:
        # The password is not printed: output ends up in logs (make run, the worker's).
        source = (
            "PEOPLEOS_DEMO_PASSWORD"
            if settings.demo_password != DEFAULT_DEMO_PASSWORD
            else "the demo password in README"
        )
        _out(f"\nDemo logins (password: {source}):")
        for login in report.logins:
            _out(f"  {login.username:<28} {login.role:<12} {login.company}")
    return 0


def _read_password(from_stdin: bool) -> str:
    """A new password from stdin or a prompt; never from an argument (shell history)."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("New password: ")
    if getpass.getpass("Repeat it: ") != first:
        raise ValidationError("The passwords do not match.")
    return first


def _users(args: argparse.Namespace, url: str) -> int:
    db = Database(url)
    now = datetime.now(UTC)
    try:
        if args.cmd in ("create", "list"):
            actor = auth.system_actor(db.uow(), company=args.company)
        else:
            actor = auth.system_actor(db.uow(), username=args.username)
        if args.cmd == "create":
            user = users.create_user(
                db.uow(),
                actor,
                username=args.username,
                email=args.email,
                full_name=args.name,
                role=args.role,
                password=_read_password(args.password_stdin),
            )
            _out(f"Created {user.username} ({user.role}) in {actor.company_name}.")
        elif args.cmd == "list":
            for u in users.list_users(db.uow(), actor):
                state = "active" if u.is_active else "disabled"
                _out(f"{u.username:<28} {u.role:<12} {state:<9} {u.email}")
        else:
            target = users.find_user(db.uow(), actor, args.username)
            if args.cmd in ("disable", "enable"):
                users.set_active(db.uow(), actor, target.id, args.cmd == "enable", now)
                _out(f"{target.username} {args.cmd}d.")
            elif args.cmd == "set-role":
                users.set_role(db.uow(), actor, target.id, args.role)
                _out(f"{target.username} is now {args.role}.")
            else:
                password = _read_password(args.password_stdin)
                users.reset_password(db.uow(), actor, target.id, password, now)
                _out(f"Password of {target.username} reset; their sessions have ended.")
    finally:
        db.dispose()
    return 0


def _sync(args: argparse.Namespace, settings: Settings) -> int:
    db = Database(settings.database_url)
    now = datetime.now(UTC)
    try:
        if args.cmd == "import-file":
            path = Path(args.path)
            if not path.is_file():
                raise ValidationError(f"No file at {path}.")
            reports = sync.import_file(db.uow, path.read_bytes(), now=now, actor="cli")
        else:
            if not settings.startupos_url or not settings.startupos_token:
                raise ValidationError(
                    "Set PEOPLEOS_STARTUPOS_URL and PEOPLEOS_STARTUPOS_TOKEN to sync over the API."
                )
            startupos_id = sync.resolve_startupos_id(db.uow(), args.company)
            client = StartupOSClient(settings.startupos_url, settings.startupos_token)
            try:
                reports = [
                    sync.run_sync(
                        db.uow, client, startupos_id, full=args.full, now=now, actor="cli"
                    )
                ]
            finally:
                client.close()
    finally:
        db.dispose()
    failed = False
    for r in reports:
        if r.status == "failed":
            failed = True
            sys.stderr.write(f"error: {r.sync_type} sync failed: {r.error}\n")
        else:
            _out(f"{r.company_name}: {r.sync_type} sync {r.status} {json.dumps(r.counts)}")
    return 1 if failed else 0


def _pipeline(args: argparse.Namespace, url: str) -> int:
    """``pipeline export``: the CSV the Pipeline page exports, for scheduled exports."""
    from core.services import pipeline

    try:
        role_id = uuid.UUID(args.role) if args.role else None
    except ValueError:
        raise ValidationError(f"--role takes a role id, not '{args.role}'.") from None
    db = Database(url)
    try:
        actor = auth.system_actor(db.uow(), company=args.company)
        query = pipeline.PipelineQuery(stages=tuple(args.stage), min_days=args.min_days)
        text = pipeline.export_pipeline_csv(
            db.uow(), actor, datetime.now(UTC), query, role_id=role_id
        )
    finally:
        db.dispose()
    if args.csv == "-":
        sys.stdout.write(text)
    else:
        Path(args.csv).write_text(text, encoding="utf-8")
        rows = len(list(csv.reader(io.StringIO(text)))) - 1
        _out(f"{rows} candidate(s) written to {args.csv}")
    return 0


def _hires(args: argparse.Namespace, url: str) -> int:
    """``hires outcome``: record a hire's outcome, as the Hires page does."""
    from core.services import hires

    db = Database(url)
    try:
        actor = auth.system_actor(db.uow(), company=args.company)
        hire_id = hires.find_hire(db.uow(), actor, args.email)
        view = hires.record_outcome(
            db.uow(),
            actor,
            hire_id,
            args.outcome,
            datetime.now(UTC),
            left_on=args.left_on,
            reason=args.reason,
        )
    finally:
        db.dispose()
    retained = "" if view.retention_days is None else f", {view.retention_days} day(s) retained"
    _out(f"Recorded {view.outcome}{retained}; {view.predictions_checked} prediction(s) checked.")
    return 0


def _candidates(args: argparse.Namespace, url: str) -> int:
    if args.cmd == "score":
        return _score(args, url)
    path = Path(args.path)
    if not path.is_file():
        raise ValidationError(f"No file at {path}.")
    data = path.read_bytes()
    db = Database(url)
    report: dict[str, Any]
    errors: list[imports.RowError]
    try:
        actor = auth.system_actor(db.uow(), company=args.company)
        mapping: dict[str, str | None] = dict(
            imports.read_csv(actor, data, path.name).suggested_mapping
        )
        for item in args.map:
            name, sep, column = item.partition("=")
            if not sep:
                raise ValidationError(f"--map takes FIELD=COLUMN, not '{item}'.")
            mapping[name.strip()] = column.strip() or None
        if args.dry_run:
            plan = imports.preview_import(db.uow(), actor, data, path.name, mapping)
            errors = plan.errors
            report = {
                "company": actor.company_name,
                "file": plan.filename,
                "dry_run": True,
                "mapping": plan.mapping,
                "rows": plan.rows_total,
                "create": plan.count("create"),
                "update": plan.count("update"),
                "unchanged": plan.count("unchanged"),
                "stages_kept": plan.stages_kept,
                "plan": [
                    {"row": r.row, "action": r.action, "changes": list(r.changes)}
                    for r in plan.rows
                ],
            }
        else:
            try:
                result = imports.commit_import(
                    db.uow(), actor, data, path.name, mapping, datetime.now(UTC)
                )
            except imports.ImportRowsError as exc:
                errors = exc.errors
                report = {"company": actor.company_name, "file": path.name, "imported": False}
            else:
                errors = []
                report = {
                    "company": actor.company_name,
                    "file": path.name,
                    "imported": True,
                    "import_id": str(result.import_id),
                    "rows": result.rows_total,
                    "created": result.created,
                    "updated": result.updated,
                    "unchanged": result.unchanged,
                    "stages_kept": result.stages_kept,
                }
    finally:
        db.dispose()
    report["errors"] = [{"row": e.row, "field": e.field, "message": e.message} for e in errors]
    _out(json.dumps(report, indent=1, ensure_ascii=False))
    if errors:
        sys.stderr.write(f"error: {len(errors)} problem(s) in the file; nothing was imported.\n")
        return 1
    return 0


def _train_company(company: str, settings: Settings) -> int:
    db = Database(settings.database_url)
    try:
        actor = auth.system_actor(db.uow(), company=company)
        report = model_registry.train_company_models(
            db, actor, model_registry.load_models(settings, db=db), datetime.now(UTC)
        )
    finally:
        db.dispose()
    verdict = (
        "it now scores the company's candidates"
        if report.status == "champion"
        else "kept as a challenger; the prior goes on scoring"
    )
    _out(
        f"Trained {report.version} on {report.labelled} labelled hires of {actor.company_name}: "
        f"held-out AUC {report.auc:.3f} vs the prior's {report.prior_auc:.3f}; {verdict}."
    )
    for reason in report.refused:  # better, but not promoted: the fairness guard
        _out(f"Not promoted: {reason}.")
    return 0


def _score(args: argparse.Namespace, url: str) -> int:
    from ml.embeddings import Embedder

    db = Database(url)
    try:
        models = model_registry.load_models(db=db)
        actor = auth.system_actor(db.uow(), company=args.company)
        count = scoring.rescore_company(
            db, actor.company_id, models, datetime.now(UTC), trigger="backfill", encoder=Embedder()
        )
    finally:
        db.dispose()
    label = model_registry.model_label(models)
    _out(f"Scored {count} candidates of {actor.company_name} with {label}.")
    return 0


def _fake(args: argparse.Namespace) -> int:
    export = json.loads(Path(args.export).read_text())
    server = FakeStartupOS(export, token=args.token)
    _out(
        f"Serving {len(server.companies)} StartupOS companies on http://{args.host}:{args.port}"
        f" (token: {args.token}). Ctrl-C stops."
    )
    for company_id, entry in server.companies.items():
        _out(f"  {company_id}  {entry['company']['name']}")
    try:
        server.serve_forever(args.host, args.port)
    except KeyboardInterrupt:
        pass
    return 0


def _scan_demo_companies(url: str) -> None:
    """Give every demo company its DNA profile and score its candidates, as the worker would."""
    from core.services import retention as retention_service
    from core.services import retention_models
    from ml.embeddings import Embedder

    db = Database(url)
    encoder = Embedder()
    try:
        count = search.embed_missing(
            db.uow(),
            encoder,
            datetime.now(UTC),
            progress=lambda done: done % 5120 == 0 and _out(f"  embedded {done} resumes…"),
        )
        _out(f"Embedded {count} resumes for semantic search.")
        count = roles.embed_missing(db.uow(), encoder, datetime.now(UTC))
        _out(f"Embedded {count} roles.")
        fit = model_registry.ensure_prior(db.uow(), datetime.now(UTC))
        if fit != "loaded":
            _out(f"Prior fit and success models {_PRIOR_OUTCOMES[fit]}.")
        retention = retention_models.ensure_prior(db.uow(), datetime.now(UTC))
        if retention != "loaded":
            _out(f"Retention prior {_PRIOR_OUTCOMES[retention]}.")
        models = model_registry.load_models(db=db)
        for company in analytics.list_companies(db.uow()):
            actor = auth.Actor.system(company.id, company.name, label="demo")
            company_dna.scan_company(db.uow(), actor, encoder, datetime.now(UTC))
            scored = scoring.rescore_company(
                db, company.id, models, datetime.now(UTC), trigger="demo", encoder=encoder
            )
            _out(f"Scanned the DNA of {company.name} and scored {scored} candidates.")
            risk = retention_service.score_company(db.uow(), actor, datetime.now(UTC))
            _out(f"Scored the retention risk of {risk.scored} employees ({risk.model_version}).")
    finally:
        db.dispose()
    database.analyze(url)  # the planner needs statistics to use the right index at scale


def _list_models(args: argparse.Namespace, url: str) -> int:
    """``models list``: the registered versions, their accuracy from outcomes and the A/B
    test, the same service calls as the Models page."""
    from core.services import model_accuracy, model_promotion, model_report

    db = Database(url)
    try:
        actor = auth.system_actor(db.uow(), company=args.company)
        overview = model_registry.list_models(db.uow(), actor)
        measured = model_accuracy.accuracy_from_outcomes(db.uow(), actor)
        ab = model_promotion.ab_status(db.uow(), actor)
    finally:
        db.dispose()
    report = model_report.registry_report(actor.company_name, overview, measured, ab)
    if args.json:
        _out(json.dumps(report, indent=1))
        return 0
    _out(
        f"Model registry of {report['company']}: {report['labelled_outcomes']} labelled hiring "
        f"outcomes (its own model needs {report['min_company_outcomes']})."
    )
    rows = [("name", "version", "status", "scope", "held-out AUC", "trained on")] + [
        (
            v["name"],
            v["version"],
            v["status"],
            v["scope"],
            "—" if v["held_out_auc"] is None else f"{v['held_out_auc']:.3f}",
            v["trained_on"] or "—",
        )
        for v in report["versions"]
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(5)]
    for row in rows:
        _out("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=False)) + "  " + row[5])
    if not report["accuracy_from_outcomes"]:
        _out("No outcome is recorded against a prediction yet: no accuracy from outcomes.")
    else:
        _out("Accuracy from recorded outcomes (value; see --json for the 95 % intervals):")
    for a in report["accuracy_from_outcomes"]:
        figures = ", ".join(
            f"{label} {a[key]['value']:.3f}"
            for key, label in (("auc", "AUC"), ("brier", "Brier"), ("mae", "MAE 0-100"))
            if a[key]
        )
        _out(f"  {a['model_version']} ({a['kind']}): {a['n']} outcomes; {figures or 'no figure'}")
    test = report["ab_test"]
    _out("A/B test:" if test["running"] else "A/B test: none running.")
    for arm in test["arms"]:
        _out(
            f"  {arm['arm']} {arm['version']}: serves {100 * arm['share']:.0f} % of candidates; "
            f"{arm['predictions']} predictions about {arm['people']} people, "
            f"{arm['outcomes']} with an outcome"
        )
    _out(f"  {test['reason']}")
    for d in test["decisions"]:
        _out(f"  decided {d['decided_at'] or '?'}: {d['version']} {d['decision']}. {d['reason']}")
    return 0


def _retrain(args: argparse.Namespace, url: str) -> int:
    """``models retrain``: train, register as challengers, with a progress bar on stderr."""
    from tqdm import tqdm

    from core.services import model_retraining

    db = Database(url)
    try:
        actor = auth.system_actor(db.uow(), company=args.company)
        kinds = args.kind or list(model_retraining.KINDS)
        with tqdm(total=len(set(map(model_retraining.kind_of, kinds))), unit="model") as bar:

            def progress(label: str, done: int, total: int) -> None:
                bar.set_description(label)
                bar.update(done - bar.n)

            results = model_retraining.retrain_company(
                db, actor, datetime.now(UTC), kinds=kinds, why="models retrain", progress=progress
            )
    finally:
        db.dispose()
    for r in results:
        what = f"{r.version} registered as a challenger" if r.version else "skipped"
        _out(f"{r.kind}: {what} ({r.labelled} labelled). {r.reason}")
    return 0


def _models(args: argparse.Namespace, settings: Settings) -> int:
    from ml import training

    if args.cmd == "list":
        return _list_models(args, settings.database_url)
    if args.cmd == "retrain":
        return _retrain(args, settings.database_url)
    if args.cmd == "evaluate":
        models = model_registry.load_models(settings)
        report = {
            "model": training.FIT_MODEL,
            "version": models.version,
            "trained_on": models.trained_on,
            **training.evaluate(models, seed=training.PRIOR_SEED + 1),
        }
        _out(json.dumps(report, indent=1))
        return 0
    if args.company:
        return _train_company(args.company, settings)
    path = model_registry.artifact_path(training.PRIOR_VERSION, settings)
    if args.if_missing and path.exists():
        _out(f"Models {training.PRIOR_VERSION} already trained ({path}).")
    elif not args.if_missing:
        # Train again from scratch (the recipe is deterministic per seed), not from this
        # machine's copy: asked for by name, training is what the user wants to see.
        path.unlink(missing_ok=True)
        prior_cache.forget(path)
    # The retention prior too, registered like the fit prior, so no scoring trains it.
    from core.services import retention_models

    db = Database(settings.database_url)
    try:
        outcome = model_registry.ensure_prior(db.uow(), datetime.now(UTC), settings=settings)
        retention_models.ensure_prior(db.uow(), datetime.now(UTC), settings=settings)
        prior = retention_models.load_prior(db.uow(), settings=settings)
    finally:
        db.dispose()
    if not args.if_missing or outcome != "loaded":
        models = model_registry.load_models(settings)
        _out(
            f"Models {models.version} {_PRIOR_OUTCOMES[outcome]}: "
            f"fit AUC {models.metrics['auc']:.3f} (Bayes {models.metrics['bayes_auc']:.3f}) "
            f"on held-out synthetic history; {path}"
        )
    test = prior.metrics.get("test") or {}
    _out(
        f"Retention prior {prior.version}: AUC {test.get('auc', float('nan')):.3f} on later "
        "months of its synthetic population."
    )
    from ml.embeddings import ensure_onnx  # exported once, so no first search waits for it

    _out(f"Language model {ensure_onnx().name} ready.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
