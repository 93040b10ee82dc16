"""Client for the StartupOS contract (docs/startupos.md) and parser of its export files."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import httpx

STAGES = ("pre_seed", "seed", "series_a", "series_b", "series_c", "growth")
MAX_PAGES = 1000


class StartupOSError(Exception):
    """The StartupOS server or file could not be read; ``retryable`` if trying later may help."""

    def __init__(self, message: str, *, retryable: bool) -> None:
        super().__init__(message)
        self.retryable = retryable


@dataclass(frozen=True)
class CompanySnapshot:
    """One company's record as read from StartupOS: profile, team members, metric points."""

    company: dict[str, Any]
    team: list[dict[str, Any]] = field(default_factory=list)
    metrics: list[dict[str, Any]] = field(default_factory=list)

    @property
    def cursor(self) -> str | None:
        """The newest ``updated_at`` seen, for the next incremental sync."""
        stamps = [r["updated_at"] for r in (self.company, *self.team, *self.metrics)]
        return max(stamps, key=_parse_time) if stamps else None


def _parse_time(value: str) -> datetime:
    return datetime.fromisoformat(value)


def _require(record: Any, fields: dict[str, type | tuple[type, ...]], what: str) -> dict:
    if not isinstance(record, dict):
        raise StartupOSError(f"malformed {what}: not an object", retryable=False)
    for name, kind in fields.items():
        if name not in record or not isinstance(record[name], kind):
            raise StartupOSError(f"malformed {what}: field '{name}'", retryable=False)
    try:
        stamp = _parse_time(record["updated_at"])
    except ValueError:
        raise StartupOSError(f"malformed {what}: updated_at", retryable=False) from None
    if stamp.tzinfo is None:
        raise StartupOSError(f"malformed {what}: updated_at has no offset", retryable=False)
    return record


def parse_company(record: Any) -> dict[str, Any]:
    company = _require(
        record,
        {"id": str, "name": str, "stage": str, "updated_at": str},
        "company",
    )
    if company["stage"] not in STAGES:
        raise StartupOSError(
            f"malformed company: unknown stage '{company['stage']}'", retryable=False
        )
    for name in ("runway_months", "team_size"):
        value = company.get(name)
        if value is not None and (not isinstance(value, int) or value < 0):
            raise StartupOSError(f"malformed company: field '{name}'", retryable=False)
    return company


def parse_member(record: Any) -> dict[str, Any]:
    member = _require(record, {"id": str, "name": str, "updated_at": str}, "team member")
    for name in ("start_date", "end_date"):
        if member.get(name) is not None:
            try:
                date.fromisoformat(member[name])
            except (TypeError, ValueError):
                raise StartupOSError(f"malformed team member: {name}", retryable=False) from None
    return member


def parse_metric(record: Any) -> dict[str, Any]:
    return _require(
        record,
        {"metric": str, "month": str, "value": (int, float), "updated_at": str},
        "metric point",
    )


def _dedupe(records: list[dict], key: Callable[[dict], Any]) -> list[dict]:
    """Pages may repeat a record; keep one per key, the most recently updated."""
    latest: dict[Any, dict] = {}
    for record in records:
        k = key(record)
        if k not in latest or _parse_time(record["updated_at"]) >= _parse_time(
            latest[k]["updated_at"]
        ):
            latest[k] = record
    return list(latest.values())


def _metric_key(point: dict) -> tuple[str, str]:
    return point["metric"], point["month"]


def parse_export(data: Any) -> list[CompanySnapshot]:
    """The companies of a StartupOS export file (already decoded from JSON)."""
    if not isinstance(data, dict) or data.get("format") != "startupos-export":
        raise StartupOSError(
            "not a StartupOS export (format must be 'startupos-export')", retryable=False
        )
    if data.get("version") != 1:
        raise StartupOSError(f"unsupported export version {data.get('version')!r}", retryable=False)
    entries = data.get("companies")
    if not isinstance(entries, list) or not entries:
        raise StartupOSError("the export holds no companies", retryable=False)
    snapshots = []
    for entry in entries:
        if not isinstance(entry, dict):
            raise StartupOSError("malformed export entry", retryable=False)
        team = [parse_member(m) for m in entry.get("team") or []]
        metrics = [parse_metric(p) for p in entry.get("metrics") or []]
        snapshots.append(
            CompanySnapshot(
                company=parse_company(entry.get("company")),
                team=_dedupe(team, lambda m: m["id"]),
                metrics=_dedupe(metrics, _metric_key),
            )
        )
    return snapshots


class StartupOSClient:
    """Reads one company's record, following pages and retrying temporary failures."""

    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        http: httpx.Client | None = None,
        timeout: float = 10.0,
        attempts: int = 3,
        backoff: float = 0.5,
        sleep: Callable[[float], None] = time.sleep,
        page_size: int = 100,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._http = http or httpx.Client(timeout=timeout)
        self._headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        self.attempts = attempts
        self.backoff = backoff
        self._sleep = sleep
        self.page_size = page_size

    def close(self) -> None:
        self._http.close()

    def fetch(self, company_id: str, updated_since: str | None = None) -> CompanySnapshot:
        """The company's profile, and its team and metrics changed since ``updated_since``."""
        company = parse_company(self._get(f"/v1/companies/{company_id}", {}))
        team = [
            parse_member(m) for m in self._pages(f"/v1/companies/{company_id}/team", updated_since)
        ]
        metrics = [
            parse_metric(p)
            for p in self._pages(f"/v1/companies/{company_id}/metrics", updated_since)
        ]
        return CompanySnapshot(
            company=company,
            team=_dedupe(team, lambda m: m["id"]),
            metrics=_dedupe(metrics, _metric_key),
        )

    def _pages(self, path: str, updated_since: str | None) -> list[dict]:
        records: list[dict] = []
        cursor: str | None = None
        seen: set[str] = set()
        for _ in range(MAX_PAGES):
            params: dict[str, Any] = {"limit": self.page_size}
            if cursor:
                params["cursor"] = cursor
            if updated_since:
                params["updated_since"] = updated_since
            page = self._get(path, params)
            if not isinstance(page, dict) or not isinstance(page.get("data"), list):
                raise StartupOSError(f"malformed page from {path}", retryable=True)
            records.extend(page["data"])
            cursor = page.get("next_cursor")
            if not cursor:
                return records
            if cursor in seen:
                raise StartupOSError(f"{path} repeated a page cursor", retryable=True)
            seen.add(cursor)
        raise StartupOSError(f"{path} has more than {MAX_PAGES} pages", retryable=False)

    def _get(self, path: str, params: dict[str, Any]) -> Any:
        url = f"{self.base_url}{path}"
        error: StartupOSError | None = None
        for attempt in range(self.attempts):
            if attempt:
                self._sleep(self.backoff * 2 ** (attempt - 1))
            try:
                response = self._http.get(url, params=params, headers=self._headers)
            except httpx.TimeoutException:
                error = StartupOSError(f"timeout on {path}", retryable=True)
                continue
            except httpx.TransportError as exc:
                error = StartupOSError(
                    f"connection error on {path}: {type(exc).__name__}", retryable=True
                )
                continue
            if response.status_code == 429 or response.status_code >= 500:
                error = StartupOSError(f"HTTP {response.status_code} on {path}", retryable=True)
                retry_after = response.headers.get("Retry-After", "")
                if response.status_code == 429 and retry_after.isdigit():
                    self._sleep(min(int(retry_after), 60))
                continue
            if response.status_code == 401:
                raise StartupOSError("StartupOS refused the token (401)", retryable=False)
            if response.status_code == 404:
                raise StartupOSError(f"StartupOS has no {path} (404)", retryable=False)
            if response.status_code != 200:
                raise StartupOSError(f"HTTP {response.status_code} on {path}", retryable=False)
            try:
                return response.json()
            except ValueError:
                error = StartupOSError(f"malformed JSON from {path}", retryable=True)
        assert error is not None
        raise error
