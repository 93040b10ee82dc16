"""Notifications: an outbox written with the event, delivered to Slack and email by the worker.

Other services call :func:`enqueue` inside their own unit of work, so a notification exists
exactly when the event it announces was committed. The worker calls :func:`dispatch_due`.
Message bodies and recipients are personal data: they are never logged, and a failed
delivery stores only the error class and status code.

Channels: ``slack`` and ``email`` (configured by settings) and ``webhook`` (the endpoints a
company registers, :mod:`core.services.webhooks`).

What delivery guarantees, exactly:

- At least once, unless every attempt fails: a failed attempt is retried after
  :func:`backoff` (30 s, doubling, at most 1 h; longer if a 429's Retry-After asks) until
  one succeeds or ``max_attempts`` (6) have failed; a permanent refusal (an HTTP status
  other than 429 and 5xx, an SMTP 5xx reply) stops at once. Then the row is ``failed``,
  with the error class and code.
- Never again after a recorded success: a row marked ``sent`` is never claimed again.
- Possibly more than once before that: when the receiver took a message but its answer
  was lost or an error (a timeout, a 5xx after reading the body, a crash before the
  commit), the next attempt sends it again.
- Every attempt of one notification carries the same idempotency key (the outbox row id):
  the ``Idempotency-Key`` header to Slack and the email's ``Message-ID``. A receiver that
  deduplicates on it shows the message once; Slack's incoming webhooks do not, so there a
  repeated attempt can show twice.
"""

from __future__ import annotations

import json
import logging
import re
import smtplib
import ssl
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import formatdate
from typing import Any, Literal, Protocol
from urllib.parse import parse_qs, unquote, urlsplit

import httpx

from core.config import Settings, SettingsError
from core.db import UnitOfWork
from core.models import Notification
from core.models.enums import NOTIFICATION_CHANNELS
from core.repositories.notifications import NotificationRepository
from core.services.errors import ValidationError

logger = logging.getLogger(__name__)

MAX_SUBJECT_LENGTH = 200
MAX_BODY_LENGTH = 10_000
MAX_EVENT_TYPE_LENGTH = 50  # the column's size
MAX_DEDUPE_KEY_LENGTH = 200  # the column's size
MAX_RECIPIENT_LENGTH = 254  # the longest valid email address
BACKOFF_BASE = timedelta(seconds=30)
MAX_ATTEMPTS = 6  # tries of one notification before it is marked failed
BACKOFF_CAP = timedelta(hours=1)
HTTP_TIMEOUT_SECONDS = 10.0
IDEMPOTENCY_HEADER = "Idempotency-Key"
SMTP_TIMEOUT_SECONDS = 10.0
# Deliberately loose: one address, no display name, nothing that could split a header.
_EMAIL_ADDRESS = re.compile(r"^[^@\s<>,;:\"]+@[^@\s<>,;:\"]+\.[^@\s<>,;:\"]+$")


@dataclass(frozen=True)
class Attachment:
    """A text file sent with an email, such as an ``.ics`` calendar invitation."""

    filename: str
    content_type: str  # "text/calendar"
    content: str
    params: tuple[tuple[str, str], ...] = ()  # extra Content-Type parameters (method=REQUEST)

    def to_payload(self) -> dict[str, Any]:
        return {
            "filename": self.filename,
            "content_type": self.content_type,
            "content": self.content,
            "params": dict(self.params),
        }

    @classmethod
    def from_payload(cls, data: Mapping[str, Any]) -> Attachment:
        return cls(
            filename=str(data["filename"]),
            content_type=str(data["content_type"]),
            content=str(data["content"]),
            params=tuple(sorted((str(k), str(v)) for k, v in (data.get("params") or {}).items())),
        )


@dataclass(frozen=True)
class OutgoingMessage:
    """What a sender needs from a notification row (a copy: senders never touch the ORM)."""

    id: uuid.UUID
    channel: str
    event_type: str
    subject: str
    body: str
    recipient: str | None = None
    attachments: tuple[Attachment, ...] = ()  # email only; other channels ignore them
    company_id: uuid.UUID | None = None  # whose message: a webhook's endpoint is looked up by it

    @property
    def idempotency_key(self) -> str:
        """The same on every attempt of this notification, different for any other one."""
        return str(self.id)


class DeliveryError(Exception):
    """A send failed; ``retryable`` says whether trying again later may succeed.

    The message becomes the row's ``last_error``, so it holds only an error class and a
    status code, never a recipient, a URL or message text.
    """

    def __init__(self, summary: str, *, retryable: bool, retry_after: float | None = None) -> None:
        super().__init__(summary)
        self.summary = summary
        self.retryable = retryable
        self.retry_after = retry_after


class Sender(Protocol):
    def send(self, message: OutgoingMessage) -> None:
        """Deliver ``message`` or raise :class:`DeliveryError`."""
        ...


@dataclass(frozen=True)
class DispatchReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    # Due rows left pending because their channel has no configured sender.
    skipped: int = 0


def enqueue(
    repo: NotificationRepository,
    *,
    company_id: uuid.UUID,
    event_type: str,
    channel: str,
    subject: str,
    body: str,
    dedupe_key: str,
    recipient: str | None = None,
    payload: dict[str, Any] | None = None,
    attachments: tuple[Attachment, ...] = (),
) -> uuid.UUID:
    """Add a notification to the caller's unit of work and return its id.

    ``attachments`` (email only) are kept in the payload and sent with the message.

    Call it inside the transaction that records the event, with a repository on that
    transaction's session: the notification commits or rolls back with the event. The same
    ``dedupe_key`` enqueued again returns the first notification's id and adds nothing.
    Raises ValidationError (and writes nothing) on bad input.
    """
    event_type = event_type.strip()
    subject = subject.strip()
    dedupe_key = dedupe_key.strip()
    recipient = recipient.strip() if recipient is not None else None
    if channel not in NOTIFICATION_CHANNELS:
        raise ValidationError(f"Unknown notification channel; use one of {NOTIFICATION_CHANNELS}.")
    if not event_type or len(event_type) > MAX_EVENT_TYPE_LENGTH:
        raise ValidationError(f"Event type must be 1 to {MAX_EVENT_TYPE_LENGTH} characters.")
    if not dedupe_key or len(dedupe_key) > MAX_DEDUPE_KEY_LENGTH:
        raise ValidationError(f"Dedupe key must be 1 to {MAX_DEDUPE_KEY_LENGTH} characters.")
    if not subject or len(subject) > MAX_SUBJECT_LENGTH:
        raise ValidationError(f"Subject must be 1 to {MAX_SUBJECT_LENGTH} characters.")
    if "\r" in subject or "\n" in subject:
        # A line break in a mail header would let the text add headers of its own.
        raise ValidationError("Subject must be a single line.")
    if not body.strip() or len(body) > MAX_BODY_LENGTH:
        raise ValidationError(f"Body must be 1 to {MAX_BODY_LENGTH} characters.")
    if channel == "email":
        if not recipient:
            raise ValidationError("An email notification needs a recipient.")
        if len(recipient) > MAX_RECIPIENT_LENGTH or not _EMAIL_ADDRESS.match(recipient):
            raise ValidationError("The recipient is not a valid email address.")
    elif recipient is not None and len(recipient) > MAX_RECIPIENT_LENGTH:
        raise ValidationError(f"Recipient must be at most {MAX_RECIPIENT_LENGTH} characters.")
    if attachments:
        if channel != "email":
            raise ValidationError("Only an email can carry attachments.")
        payload = {**(payload or {}), "attachments": [a.to_payload() for a in attachments]}
    if payload is not None:
        try:
            json.dumps(payload)
        except (TypeError, ValueError):
            raise ValidationError("Payload must be JSON-serialisable.") from None
    row = repo.add(
        company_id=company_id,
        event_type=event_type,
        channel=channel,
        subject=subject,
        body=body,
        dedupe_key=dedupe_key,
        recipient=recipient or None,
        payload=payload,
    )
    if row.company_id != company_id:
        # Keys are global (unique index); never hand one company another's notification.
        raise ValidationError("That dedupe key is already in use.")
    return row.id


def backoff(attempts: int) -> timedelta:
    """Wait before the next try after ``attempts`` tries: 30 s, 1 min, 2 min, ... up to 1 h."""
    exponent = min(max(attempts, 1) - 1, 20)  # past 2**7 the cap applies; avoid overflow
    return min(BACKOFF_BASE * 2**exponent, BACKOFF_CAP)


def dispatch_due(
    uow: UnitOfWork,
    senders: Mapping[str, Sender],
    now: datetime,
    *,
    limit: int = 50,
    max_attempts: int = MAX_ATTEMPTS,
) -> DispatchReport:
    """Deliver up to ``limit`` notifications due at ``now``, one transaction each.

    Each notification is claimed (row-locked), sent, updated and committed in one unit of
    work, so a row marked sent is never sent again and two dispatchers never send the same
    row at once. Delivery is at least once (see the module docstring): an attempt whose
    send reached the receiver but failed on the way back (timeout, 5xx, a crash before the
    commit) leaves the row pending, and the next attempt sends the same message, with the
    same idempotency key, again.

    ``attempts`` counts every try. A retryable error schedules the next try after
    :func:`backoff` (or the server's Retry-After, if longer); a permanent error, or the
    ``max_attempts``-th failure, marks the row failed. Rows on a channel without a sender
    stay pending, untouched, and are reported as skipped.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware (UTC)")
    if limit < 1 or max_attempts < 1:
        raise ValueError("limit and max_attempts must be at least 1")
    channels = [channel for channel in NOTIFICATION_CHANNELS if channel in senders]
    unsent = [channel for channel in NOTIFICATION_CHANNELS if channel not in senders]
    counts = {"sent": 0, "retried": 0, "failed": 0}
    for _ in range(limit if channels else 0):
        with uow:
            assert uow.session is not None
            rows = NotificationRepository(uow.session).claim_due(now, 1, channels=channels)
            if not rows:
                break
            outcome = _deliver(rows[0], senders[rows[0].channel], now, max_attempts)
            uow.commit()
        counts[outcome] += 1
    with uow:
        assert uow.session is not None
        skipped = NotificationRepository(uow.session).count_due(now, channels=unsent)
    report = DispatchReport(**counts, skipped=skipped)
    if report != DispatchReport():
        logger.info(
            "notifications dispatched: %d sent, %d retried, %d failed, %d skipped",
            report.sent,
            report.retried,
            report.failed,
            report.skipped,
        )
    return report


def _deliver(
    row: Notification, sender: Sender, now: datetime, max_attempts: int
) -> Literal["sent", "retried", "failed"]:
    """Try one send and record the outcome on the row (the caller commits)."""
    attachments = (row.payload or {}).get("attachments") or ()
    message = OutgoingMessage(
        id=row.id,
        channel=row.channel,
        event_type=row.event_type,
        subject=row.subject,
        body=row.body,
        recipient=row.recipient,
        attachments=tuple(Attachment.from_payload(a) for a in attachments),
        company_id=row.company_id,
    )
    row.attempts += 1
    retry_after: float | None = None
    try:
        sender.send(message)
    except DeliveryError as exc:
        error, retryable, retry_after = exc.summary, exc.retryable, exc.retry_after
    except Exception as exc:  # noqa: BLE001 - a broken sender must not wedge the queue
        # Only the class: the message of an arbitrary exception may quote personal data.
        error, retryable = type(exc).__name__, True
    else:
        row.status = "sent"
        row.sent_at = now
        return "sent"
    row.last_error = error[:200]
    if retryable and row.attempts < max_attempts:
        delay = backoff(row.attempts)
        if retry_after is not None:
            delay = max(delay, min(timedelta(seconds=max(retry_after, 0.0)), BACKOFF_CAP))
        row.next_attempt_at = now + delay
        logger.info(
            "notification %s (%s) attempt %d failed, retrying: %s",
            row.id,
            row.channel,
            row.attempts,
            row.last_error,
        )
        return "retried"
    row.status = "failed"
    logger.warning(
        "notification %s (%s) failed after %d attempt(s): %s",
        row.id,
        row.channel,
        row.attempts,
        row.last_error,
    )
    return "failed"


class SlackSender:
    """Posts to a Slack incoming webhook as mrkdwn text (never HTML).

    Each request carries ``Idempotency-Key`` (IETF draft-ietf-httpapi-idempotency-key-header,
    a quoted string), the same on every retry. Slack itself ignores it; a relay or proxy in
    front of the webhook can deduplicate on it. The JSON body stays Slack's own format.
    """

    def __init__(self, webhook_url: str, client: httpx.Client) -> None:
        self.webhook_url = webhook_url
        self.client = client

    def send(self, message: OutgoingMessage) -> None:
        text = f"*{_slack_escape(message.subject)}*\n{_slack_escape(message.body)}"
        headers = {IDEMPOTENCY_HEADER: f'"{message.idempotency_key}"'}
        try:
            response = self.client.post(self.webhook_url, json={"text": text}, headers=headers)
        except httpx.TransportError as exc:
            # Timeouts and connection errors. "from None": the exception's text holds the
            # webhook URL, which is a secret.
            raise DeliveryError(type(exc).__name__, retryable=True) from None
        status = response.status_code
        if 200 <= status < 300:
            return
        raise DeliveryError(
            f"HTTP {status}",
            retryable=status == 429 or status >= 500,
            retry_after=_retry_after(response) if status == 429 else None,
        )


def _slack_escape(text: str) -> str:
    # Slack reads <...> as mentions and links (<!channel>, <url|label>); escaping these
    # three characters is Slack's documented way to show user text literally.
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _retry_after(response: httpx.Response) -> float | None:
    try:
        return float(response.headers.get("Retry-After", ""))
    except ValueError:
        return None  # absent, or an HTTP date: the usual backoff applies


class EmailSender:
    """Sends plain-text email over SMTP, configured by an ``smtp://`` or ``smtps://`` URL.

    ``smtp://user:password@host:587?from=hr@example.com&starttls=1``: smtps connects with
    TLS, ``starttls=1`` upgrades a plain connection, user and password (URL-encoded) log in.
    """

    def __init__(
        self,
        smtp_url: str,
        *,
        timeout: float = SMTP_TIMEOUT_SECONDS,
        local_hostname: str | None = None,
    ) -> None:
        parts = urlsplit(smtp_url)
        query = parse_qs(parts.query)
        sender = (query.get("from") or [""])[0].strip()
        try:
            port = parts.port
        except ValueError:
            port = -1
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname or port == -1:
            raise SettingsError(
                "PEOPLEOS_SMTP_URL must look like smtp://user:password@host:587?from=hr@example.com"
            )
        if not _EMAIL_ADDRESS.match(sender):
            raise SettingsError("PEOPLEOS_SMTP_URL needs a sender address: ?from=hr@example.com")
        self.use_ssl = parts.scheme == "smtps"
        self.host = parts.hostname
        self.port = port or (465 if self.use_ssl else 25)
        self.starttls = (query.get("starttls") or ["0"])[0].strip().lower() in ("1", "true", "yes")
        self.username = unquote(parts.username) if parts.username else None
        self._password = unquote(parts.password) if parts.password else ""
        self.from_address = sender
        self.timeout = timeout
        self.local_hostname = local_hostname

    def __repr__(self) -> str:  # the URL's password must not end up in a log
        return f"EmailSender(host={self.host!r}, port={self.port}, ssl={self.use_ssl})"

    def send(self, message: OutgoingMessage) -> None:
        if not message.recipient:
            raise DeliveryError("NoRecipient", retryable=False)
        email = EmailMessage()
        email["Subject"] = message.subject
        email["From"] = self.from_address
        email["To"] = message.recipient
        email["Date"] = formatdate(usegmt=True)
        # The idempotency key: the same on every attempt, so a mail system that
        # deduplicates by Message-ID shows a copy resent after a lost reply once.
        domain = self.from_address.rsplit("@", 1)[1]
        email["Message-ID"] = f"<{message.idempotency_key}@{domain}>"
        email.set_content(message.body)
        for attachment in message.attachments:
            maintype, subtype = attachment.content_type.split("/", 1)
            email.add_attachment(
                attachment.content.encode(),
                maintype=maintype,
                subtype=subtype,
                filename=attachment.filename,
                params=dict(attachment.params),
            )
        try:
            smtp = self._connect()
            try:
                if self.starttls:
                    smtp.starttls(context=ssl.create_default_context())
                if self.username:
                    smtp.login(self.username, self._password)
                smtp.send_message(email)
            finally:
                _quit_quietly(smtp)
        # The exceptions' text may quote the recipient, hence "from None" and class + code only.
        except smtplib.SMTPRecipientsRefused as exc:
            code = max((code for code, _ in exc.recipients.values()), default=-1)
            raise DeliveryError(
                f"{type(exc).__name__} {code}", retryable=_retryable(code)
            ) from None
        except smtplib.SMTPResponseException as exc:
            code = exc.smtp_code
            raise DeliveryError(
                f"{type(exc).__name__} {code}", retryable=_retryable(code)
            ) from None
        except OSError as exc:
            # Refused or dropped connections, timeouts, TLS failures, other SMTP errors.
            raise DeliveryError(type(exc).__name__, retryable=True) from None

    def _connect(self) -> smtplib.SMTP:
        if self.use_ssl:
            return smtplib.SMTP_SSL(
                self.host,
                self.port,
                local_hostname=self.local_hostname,
                timeout=self.timeout,
                context=ssl.create_default_context(),
            )
        return smtplib.SMTP(
            self.host, self.port, local_hostname=self.local_hostname, timeout=self.timeout
        )


def _retryable(smtp_code: int) -> bool:
    # 5xx replies are permanent; 4xx (and anything unexpected) may pass later.
    return not 500 <= smtp_code < 600


def _quit_quietly(smtp: smtplib.SMTP) -> None:
    # Once the message is accepted, a failed QUIT must not turn the send into a retry.
    try:
        smtp.quit()
    except (smtplib.SMTPException, OSError):
        smtp.close()


def senders_from_settings(
    settings: Settings, client: httpx.Client | None = None
) -> dict[str, Sender]:
    """A sender for every channel configured in ``settings`` (none when nothing is set)."""
    senders: dict[str, Sender] = {}
    if settings.slack_webhook_url:
        senders["slack"] = SlackSender(
            settings.slack_webhook_url, client or httpx.Client(timeout=HTTP_TIMEOUT_SECONDS)
        )
    if settings.smtp_url:
        senders["email"] = EmailSender(settings.smtp_url)
    return senders
