"""Delivering webhooks: where a delivery may go, how it is signed, and the sender the
worker's outbox run uses (:mod:`core.services.webhooks` registers endpoints and queues
events).

Every attempt is signed: ``PeopleOS-Signature: t=<unix time>,v1=<hex HMAC-SHA256>`` over
``"<t>.<body>"`` with the endpoint's secret. A receiver recomputes it with
:func:`verify_signature` and refuses a stale ``t`` (older than :data:`SIGNATURE_TOLERANCE`),
so a captured request cannot be replayed later. ``PeopleOS-Delivery`` (the outbox row id) is
the same on every attempt of one delivery: receivers deduplicate on it, as delivery is at
least once.
"""

from __future__ import annotations

import hashlib
import hmac
import socket
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from ipaddress import IPv6Address, ip_address
from typing import Any
from urllib.parse import SplitResult, urlsplit

import httpx

from core.db import Database
from core.repositories.webhooks import WebhookRepository
from core.services import notifications
from core.services.errors import ValidationError
from core.services.notifications import DeliveryError, OutgoingMessage

SIGNATURE_HEADER = "PeopleOS-Signature"
EVENT_HEADER = "PeopleOS-Event"
DELIVERY_HEADER = "PeopleOS-Delivery"
SIGNATURE_TOLERANCE = timedelta(minutes=5)
MAX_URL_LENGTH = 2000
USER_AGENT = "PeopleOS-Webhooks/1"
# The longest one delivery may take in all (connect, send, the answer's status and headers).
DELIVERY_DEADLINE_SECONDS = 15.0


@dataclass(frozen=True)
class WebhookTarget:
    """What the sender needs to deliver to one endpoint (decrypted, never logged)."""

    url: str
    secret: str


# --------------------------------------------------------------------------- signing


def sign(secret: str, timestamp: int, body: str) -> str:
    """The ``PeopleOS-Signature`` header's value for ``body`` sent at ``timestamp``."""
    digest = hmac.new(secret.encode(), f"{timestamp}.{body}".encode(), hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def verify_signature(
    secret: str,
    header: str,
    body: str,
    now: datetime,
    tolerance: timedelta = SIGNATURE_TOLERANCE,
) -> bool:
    """Whether ``header`` signs ``body`` with ``secret`` and is at most ``tolerance`` old
    (what a receiver checks; constant-time comparison)."""
    fields = dict(part.split("=", 1) for part in header.split(",") if "=" in part)
    try:
        timestamp = int(fields.get("t", ""))
    except ValueError:
        return False
    if abs(now.timestamp() - timestamp) > tolerance.total_seconds():
        return False
    expected = sign(secret, timestamp, body).split("v1=", 1)[1]
    return hmac.compare_digest(expected, fields.get("v1", ""))


# --------------------------------------------------------------------------- delivery


def check_url(url: str, *, private_hosts: bool) -> tuple[str, str]:
    """The URL as stored and its ``scheme://host[:port]``; ValidationError when refused."""
    url = url.strip()
    if not url or len(url) > MAX_URL_LENGTH:
        raise ValidationError(f"The URL must be 1 to {MAX_URL_LENGTH} characters.")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise ValidationError("That is not a URL.") from None
    schemes = ("https", "http") if private_hosts else ("https",)
    if parts.scheme not in schemes or not parts.hostname:
        raise ValidationError("The URL must start with https:// and name a host.")
    if parts.username or parts.password:
        # Credentials in a URL end up in proxies' logs; receivers verify the signature.
        raise ValidationError("Leave user and password out of the URL; verify the signature.")
    refusal = _refused_name(parts.hostname, private_hosts)
    if refusal:
        raise ValidationError(refusal)
    host = f"{parts.scheme}://{parts.hostname}" + (f":{port}" if port else "")
    return parts._replace(fragment="").geturl(), host[:255]


_PRIVATE = (
    "That host is a private or loopback address; webhooks go to public servers "
    "(PEOPLEOS_WEBHOOK_PRIVATE_HOSTS=1 allows them, for development)."
)
_NEVER = (
    "That host is a link-local, multicast or reserved address (such as a cloud's metadata "
    "service at 169.254.169.254); webhooks never go there."
)


def _refused_address(address: str, private_hosts: bool) -> str | None:
    """Why a delivery may not go to ``address``; None when it may. Link-local (cloud
    metadata), multicast and reserved addresses are refused even in development."""
    ip = ip_address(address)
    if isinstance(ip, IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped  # ::ffff:169.254.169.254 reaches what 169.254.169.254 does
    if ip.is_loopback:
        return None if private_hosts else _PRIVATE
    if ip.is_link_local or ip.is_multicast or ip.is_reserved or ip.is_unspecified:
        return _NEVER
    if ip.is_global or private_hosts:
        return None
    return _PRIVATE


def _refused_name(hostname: str, private_hosts: bool) -> str | None:
    name = hostname.lower().rstrip(".")
    if name == "localhost" or name.endswith(".localhost"):
        return None if private_hosts else _PRIVATE
    try:
        return _refused_address(name, private_hosts)
    except ValueError:
        return None  # a name: its addresses are checked on every send


def _checked_addresses(hostname: str, port: int, private_hosts: bool) -> list[str]:
    """The addresses ``hostname`` resolves to now, each allowed (checked on every send, as
    DNS may change after the endpoint was registered); DeliveryError when any is refused.
    The request then goes to one of these, so an answer that changes between the check and
    the connection (DNS rebinding) cannot move it elsewhere."""
    try:
        infos = socket.getaddrinfo(hostname, port, type=socket.SOCK_STREAM)
    except OSError:
        raise DeliveryError("DNS lookup failed", retryable=True) from None
    addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
    if not addresses:
        raise DeliveryError("DNS lookup failed", retryable=True)
    for address in addresses:
        refusal = _refused_address(address, private_hosts)
        if refusal:
            kind = "private" if refusal == _PRIVATE else "link-local or reserved"
            raise DeliveryError(f"refused: the host resolves to a {kind} address", retryable=False)
    return addresses


def _pinned(parts: SplitResult, address: str, port: int) -> str:
    """The URL with its host replaced by ``address`` (the Host header and TLS keep the name)."""
    literal = f"[{address}]" if ":" in address else address
    return parts._replace(netloc=f"{literal}:{port}", fragment="").geturl()


class WebhookSender:
    """Posts a webhook delivery to its endpoint, signed, without following redirects."""

    def __init__(
        self,
        targets: Callable[[uuid.UUID, str], WebhookTarget | None],
        client: httpx.Client,
        *,
        private_hosts: bool = False,
        clock: Callable[[], float] | None = None,
        deadline: float = DELIVERY_DEADLINE_SECONDS,
    ) -> None:
        self.targets = targets
        self.deadline = deadline
        self.client = client
        self.private_hosts = private_hosts
        self.clock = clock or time.time

    def send(self, message: OutgoingMessage) -> None:
        target = None
        if message.company_id is not None and message.recipient:
            target = self.targets(message.company_id, message.recipient)
        if target is None:
            raise DeliveryError("endpoint disabled or removed", retryable=False)
        parts = urlsplit(target.url)
        hostname = parts.hostname or ""
        port = parts.port or (443 if parts.scheme == "https" else 80)
        addresses = _checked_addresses(hostname, port, self.private_hosts)
        timestamp = int(self.clock())
        headers = {
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            EVENT_HEADER: message.event_type,
            DELIVERY_HEADER: message.idempotency_key,
            notifications.IDEMPOTENCY_HEADER: f'"{message.idempotency_key}"',
            SIGNATURE_HEADER: sign(target.secret, timestamp, message.body),
            "Host": parts.netloc.rsplit("@", 1)[-1],
            # A new connection for each delivery, so the deadline below knows its socket.
            "Connection": "close",
        }
        # TLS checks the certificate against the name, not the address connected to.
        extensions: dict[str, Any] = {"sni_hostname": hostname} if parts.scheme == "https" else {}
        with _Deadline(self.deadline) as deadline:
            extensions["trace"] = deadline.trace
            status, retry_after = self._post(
                parts, port, addresses, message, headers, extensions, deadline
            )
        if 200 <= status < 300:
            return
        raise DeliveryError(
            f"HTTP {status}",
            retryable=status in (408, 429) or status >= 500,
            retry_after=_seconds(retry_after) if status == 429 else None,
        )

    def _post(
        self,
        parts: SplitResult,
        port: int,
        addresses: list[str],
        message: OutgoingMessage,
        headers: dict[str, str],
        extensions: dict[str, Any],
        deadline: _Deadline,
    ) -> tuple[int, str | None]:
        """POST to the first checked address that takes a connection; the status and any
        Retry-After."""
        for n, address in enumerate(addresses):
            try:
                # stream: the status is all we read; a large answer is never loaded.
                with self.client.stream(
                    "POST",
                    _pinned(parts, address, port),
                    content=message.body.encode(),
                    headers=headers,
                    extensions=extensions,
                ) as response:
                    return response.status_code, response.headers.get("Retry-After")
            except httpx.ConnectError:
                if n == len(addresses) - 1:  # else the next address of the name
                    raise DeliveryError("ConnectError", retryable=True) from None
            except httpx.TransportError as exc:
                if deadline.expired:
                    raise DeliveryError(
                        f"Timeout: no whole answer within {self.deadline:g} s", retryable=True
                    ) from None
                # "from None": the exception's text holds the URL, which may carry a token.
                raise DeliveryError(type(exc).__name__, retryable=True) from None
        raise DeliveryError("DNS lookup failed", retryable=True)  # no address: not reached


class _Deadline:
    """Ends a request that runs past ``seconds`` in all (httpx's timeouts are per read, so
    a receiver sending a byte now and then would hold the outbox): the connection's socket
    is shut down, and the pending read fails."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.expired = False
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True

    def __enter__(self) -> _Deadline:
        self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._timer.cancel()

    def trace(self, event: str, info: dict[str, Any]) -> None:
        """httpcore's trace hook: keeps the socket of each new connection."""
        if event == "connection.connect_tcp.complete" and info.get("return_value"):
            sock = info["return_value"].get_extra_info("socket")
            with self._lock:
                if sock is not None:
                    self._sockets.append(sock)

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            for sock in self._sockets:
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass  # already closed


def _seconds(value: str | None) -> float | None:
    try:
        return float(value or "")
    except ValueError:
        return None


def endpoint_targets(db: Database) -> Callable[[uuid.UUID, str], WebhookTarget | None]:
    """The sender's lookup: a live endpoint's URL and secret, by company and id."""

    def lookup(company_id: uuid.UUID, endpoint_id: str) -> WebhookTarget | None:
        try:
            key = uuid.UUID(endpoint_id)
        except ValueError:
            return None
        with db.uow() as uow:
            endpoint = WebhookRepository(uow.session).get_endpoint(company_id, key)
            if endpoint is None or endpoint.disabled_at is not None:
                return None
            return WebhookTarget(endpoint.url, endpoint.secret)

    return lookup


def sender(db: Database, private_hosts: bool, client: httpx.Client | None = None) -> WebhookSender:
    """The worker's webhook sender."""
    return WebhookSender(
        endpoint_targets(db),
        client or httpx.Client(timeout=notifications.HTTP_TIMEOUT_SECONDS),
        private_hosts=private_hosts,
    )
