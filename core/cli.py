"""Command line: `python -m core.cli <group> <command> ...`."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from datetime import UTC, date, datetime

from core.config import SettingsError, get_settings
from core.db import Database
from core.services import database, demo
from core.services.errors import PeopleOSError


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
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = get_settings()
        if args.group == "db":
            return _db(args, settings.database_url)
        return _demo(args, settings.database_url, settings.demo_password)
    except (SettingsError, PeopleOSError) as exc:
        sys.stderr.write(f"error: {exc}\n")
        return 2


def _db(args: argparse.Namespace, url: str) -> int:
    if args.cmd == "upgrade":
        database.upgrade(url, args.revision)
        _out(f"Database at revision {database.current_revision(url)}.")
    elif args.cmd == "downgrade":
        database.downgrade(url, args.revision)
        _out(f"Database at revision {database.current_revision(url) or 'base (empty)'}.")
    else:
        _out(f"current: {database.current_revision(url)}  head: {database.head_revision()}")
    return 0


def _demo(args: argparse.Namespace, url: str, password: str) -> int:
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
            password=password,
            reset=args.reset,
            if_empty=args.if_empty,
        )
    finally:
        db.dispose()
    _out(report.message)
    if report.wiped is not None:
        _out(f"Wiped: {json.dumps(report.wiped)}")
    if report.created:
        _out(f"Rows: {json.dumps(report.counts)}")
        _out(
            f"Ground-truth Bayes AUC {report.bayes_auc:.3f}; "
            f"baseline model AUC {report.baseline_auc:.3f} (synthetic hold-out)."
        )
    if report.logins:
        _out(f"\nDemo logins (password: {password}):")
        for login in report.logins:
            _out(f"  {login.username:<28} {login.role:<12} {login.company}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
