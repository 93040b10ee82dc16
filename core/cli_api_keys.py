"""`python -m core.cli api-keys create|list|revoke`: service accounts' keys of the REST API.

The operator acts as an admin of the company named (the CLI's usual system actor). A new
key's secret is printed once; only its hash is kept.
"""

from __future__ import annotations

import argparse
import uuid
from collections.abc import Callable
from datetime import UTC, datetime

from core.db import Database
from core.services import api_access, auth


def add_parser(groups: argparse._SubParsersAction) -> None:
    keys = groups.add_parser("api-keys", help="keys of service accounts for the REST API")
    cmds = keys.add_subparsers(dest="cmd", required=True)
    create = cmds.add_parser("create", help="a new key; its secret is printed once")
    create.add_argument("--company", required=True)
    create.add_argument("--name", required=True, help="who uses it, e.g. 'BI export'")
    create.add_argument(
        "--permission",
        action="append",
        default=[],
        metavar="PERMISSION",
        help=f"repeat for each; one of: {', '.join(api_access.KEY_PERMISSIONS)}",
    )
    listing = cmds.add_parser("list", help="the company's keys, last use included")
    listing.add_argument("--company", required=True)
    revoke = cmds.add_parser("revoke", help="revoke a key at once")
    revoke.add_argument("--company", required=True)
    revoke.add_argument("key_id", type=uuid.UUID)


def run(args: argparse.Namespace, url: str, out: Callable[[str], None]) -> int:
    db = Database(url)
    now = datetime.now(UTC)
    try:
        actor = auth.system_actor(db.uow(), company=args.company)
        if args.cmd == "create":
            view, secret = api_access.create_key(db.uow(), actor, args.name, args.permission, now)
            out(f"Created API key {view.id} ({view.name}): {', '.join(view.permissions)}")
            out(f"Secret (shown once, keep it safe): {secret}")
        elif args.cmd == "list":
            for key in api_access.list_keys(db.uow(), actor):
                used = (
                    key.last_used_at.isoformat(timespec="minutes") if key.last_used_at else "never"
                )
                state = "revoked" if key.revoked_at else "live"
                out(f"{key.id}  {key.prefix}…  {state:<7}  last used {used:<22} {key.name}")
        else:
            key = api_access.revoke_key(db.uow(), actor, args.key_id, now)
            out(f"Revoked API key {key.id} ({key.name}).")
    finally:
        db.dispose()
    return 0
