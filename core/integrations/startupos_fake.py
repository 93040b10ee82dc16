"""A local StartupOS server speaking docs/startupos.md, for demos and tests.

It serves the companies of an export file and can be told to misbehave (errors, slow or
malformed answers, dropped connections, duplicate records, short pages) so the connector's
handling of each is tested against a real HTTP server on 127.0.0.1.
"""

from __future__ import annotations

import json
import threading
import time
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


class FakeStartupOS:
    """The server state: companies by id, queued faults, and page quirks."""

    def __init__(self, export: dict[str, Any], token: str = "demo-token") -> None:
        self.token = token
        self.companies = {e["company"]["id"]: e for e in export["companies"]}
        self.faults: list[dict[str, Any]] = []  # consumed one per request, in order
        self.duplicate_records = False  # repeat the last record of a page on the next
        self.short_pages = False  # answer half of `limit` per page
        self.requests: list[str] = []
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    # ----- control
    def fail_next(self, *faults: dict[str, Any]) -> None:
        """Queue faults: {"status": 500}, {"delay": 2.0}, {"body": "<html>"}, {"drop": True}."""
        with self._lock:
            self.faults.extend(faults)

    def touch_member(self, company_id: str, member_id: str, when: datetime, **changes: Any) -> None:
        """Change a team member the way StartupOS would, bumping its ``updated_at``."""
        for member in self.companies[company_id]["team"]:
            if member["id"] == member_id:
                member.update(changes, updated_at=when.isoformat())
                return
        raise KeyError(member_id)

    def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Serve in a background thread; returns the base URL."""
        self._server = ThreadingHTTPServer((host, port), self._handler())
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return f"http://{host}:{self._server.server_address[1]}"

    def serve_forever(self, host: str, port: int) -> None:
        self._server = ThreadingHTTPServer((host, port), self._handler())
        self._server.serve_forever()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    # ----- answers
    def _next_fault(self) -> dict[str, Any] | None:
        with self._lock:
            return self.faults.pop(0) if self.faults else None

    def answer(self, path: str, query: dict[str, list[str]], auth: str | None) -> tuple[int, Any]:
        if auth != f"Bearer {self.token}":
            return 401, {"error": "unauthorized"}
        parts = path.strip("/").split("/")
        if len(parts) < 3 or parts[:2] != ["v1", "companies"] or parts[2] not in self.companies:
            return 404, {"error": "not found"}
        entry = self.companies[parts[2]]
        if len(parts) == 3:
            return 200, entry["company"]
        if len(parts) != 4 or parts[3] not in ("team", "metrics"):
            return 404, {"error": "not found"}
        records = entry[parts[3]]
        since = query.get("updated_since", [None])[0]
        if since:
            cut = datetime.fromisoformat(since)
            records = [r for r in records if datetime.fromisoformat(r["updated_at"]) >= cut]
        limit = max(1, min(int(query.get("limit", ["100"])[0]), 200))
        size = max(1, limit // 2) if self.short_pages else limit
        start = int(query.get("cursor", ["0"])[0] or 0)
        page = records[start : start + size]
        if self.duplicate_records and start > 0:
            page = [records[start - 1], *page]
        following = start + size
        return 200, {
            "data": page,
            "next_cursor": str(following) if following < len(records) else None,
        }

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                fake.requests.append(self.path)
                fault = fake._next_fault()
                if fault and fault.get("delay"):
                    time.sleep(fault["delay"])
                if fault and fault.get("drop"):
                    self.close_connection = True
                    self.connection.close()
                    return
                if fault and "status" in fault:
                    self._send(fault["status"], json.dumps({"error": "injected"}).encode())
                    return
                if fault and "body" in fault:
                    self._send(200, fault["body"].encode())
                    return
                split = urlsplit(self.path)
                status, body = fake.answer(
                    split.path, parse_qs(split.query), self.headers.get("Authorization")
                )
                self._send(status, json.dumps(body).encode())

            def _send(self, status: int, body: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass  # requests are recorded in fake.requests; nothing personal is printed

        return Handler
