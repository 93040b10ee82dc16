"""Notification outbox: enqueue, dispatch to real loopback Slack and SMTP servers, retries."""

from __future__ import annotations

import asyncio
import json
import logging
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP as SMTPServer
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword, Session
from sqlalchemy.exc import OperationalError

from core.config import SettingsError, load_settings
from core.db import Database
from core.models import Company, Notification
from core.repositories.base import add_in_dependency_order
from core.repositories.notifications import NotificationRepository
from core.services import notifications
from core.services.errors import ValidationError
from core.services.notifications import (
    DispatchReport,
    EmailSender,
    Sender,
    SlackSender,
    dispatch_due,
)

pytestmark = [
    pytest.mark.db,
    # The loopback SMTP server takes AUTH without TLS on purpose (see the mailbox fixture).
    pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning"),
]
SUBJECT = "Interview booked"
BODY = "Maya Okafor meets Ravi on Tuesday at 10:00."
RECIPIENT = "maya.okafor@example.com"
FROM = "hr@acme.test"


# --- loopback servers ---------------------------------------------------------------------


class SlackHook:
    """A Slack webhook on 127.0.0.1 answering with scripted statuses (200 once the script ends)."""

    def __init__(self) -> None:
        self.script: list[tuple[int, dict[str, str], float]] = []
        self.requests: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the http.server hook name
                raw = self.rfile.read(int(self.headers["Content-Length"]))
                with hook._lock:
                    hook.requests.append(
                        {
                            "path": self.path,
                            "content_type": self.headers.get("Content-Type"),
                            "idempotency_key": self.headers.get("Idempotency-Key"),
                            "json": json.loads(raw),
                        }
                    )
                    status, headers, delay = hook.script.pop(0) if hook.script else (200, {}, 0)
                time.sleep(delay)
                try:
                    self.send_response(status)
                    for name, value in headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", "2")
                    self.end_headers()
                    self.wfile.write(b"ok")
                except OSError:
                    pass  # the client gave up (timeout test)

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}/services/T0/B0/secret-token"

    def answer(self, *statuses: int, headers: dict[str, str] | None = None, delay: float = 0):
        self.script.extend((status, headers or {}, delay) for status in statuses)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class Mailbox:
    """aiosmtpd handler: scripted RCPT/DATA rejections, then accepts and keeps messages."""

    def __init__(self) -> None:
        self.rcpt_replies: list[str] = []
        self.data_replies: list[str] = []
        # Seconds to stay silent after reading a message, before replying (per message).
        self.data_delays: list[float] = []
        self.received: list[Envelope] = []
        # Every message read in full, whatever the reply (a rejected or timed-out one too).
        self.read: list[bytes] = []
        self.logins: list[tuple[bytes, bytes]] = []

    async def handle_RCPT(  # noqa: N802 - aiosmtpd hook name
        self, server: SMTPServer, session: Session, envelope: Envelope, address: str, options: list
    ) -> str:
        if self.rcpt_replies:
            return self.rcpt_replies.pop(0)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(  # noqa: N802 - aiosmtpd hook name
        self, server: SMTPServer, session: Session, envelope: Envelope
    ) -> str:
        assert isinstance(envelope.content, bytes)
        self.read.append(envelope.content)
        if self.data_delays:
            await asyncio.sleep(self.data_delays.pop(0))
        if self.data_replies:
            return self.data_replies.pop(0)
        self.received.append(envelope)
        return "250 Message accepted for delivery"

    def authenticate(
        self, server: SMTPServer, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        assert isinstance(data, LoginPassword)
        self.logins.append((data.login, data.password))
        # handled=False: let aiosmtpd send the 535 reply itself.
        return AuthResult(success=data.password == b"p@ss:word", handled=False)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def slack() -> Iterator[SlackHook]:
    hook = SlackHook()
    yield hook
    hook.close()


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=2.0) as http:
        yield http


@pytest.fixture
def mailbox() -> Iterator[tuple[Mailbox, int]]:
    box = Mailbox()
    port = _free_port()
    # AUTH over plain text is fine on loopback; auth_required proves the sender logs in.
    controller = Controller(
        box,
        hostname="127.0.0.1",
        port=port,
        authenticator=box.authenticate,
        auth_required=True,
        auth_require_tls=False,
    )
    controller.start()
    yield box, port
    controller.stop()


def _email_sender(port: int) -> EmailSender:
    url = f"smtp://hr%40acme.test:p%40ss%3Aword@127.0.0.1:{port}?from={FROM}"
    return EmailSender(url, timeout=2.0, local_hostname="peopleos.test")


# --- data helpers -------------------------------------------------------------------------


def _company(db: Database) -> uuid.UUID:
    company = Company(startupos_id=uuid.uuid4(), name=f"Co {uuid.uuid4().hex[:4]}", stage="seed")
    with db.uow() as uow:
        add_in_dependency_order(uow.session, [company])
        uow.commit()
    return company.id


def _enqueue(db: Database, company_id: uuid.UUID, **fields: Any) -> uuid.UUID:
    values: dict[str, Any] = {
        "event_type": "interview.scheduled",
        "channel": "slack",
        "subject": SUBJECT,
        "body": BODY,
        "dedupe_key": f"interview.scheduled:{uuid.uuid4()}",
    }
    values.update(fields)
    with db.uow() as uow:
        assert uow.session is not None
        nid = notifications.enqueue(
            NotificationRepository(uow.session), company_id=company_id, **values
        )
        uow.commit()
    return nid


def _row(db: Database, company_id: uuid.UUID, nid: uuid.UUID) -> Notification:
    with db.uow() as uow:
        assert uow.session is not None
        row = NotificationRepository(uow.session).get(company_id, nid)
    assert row is not None
    return row


def _all(db: Database, company_id: uuid.UUID) -> list[Notification]:
    with db.uow() as uow:
        assert uow.session is not None
        return NotificationRepository(uow.session).list(company_id)


def _service_log(caplog: pytest.LogCaptureFixture) -> str:
    """What the notification service logged (the loopback servers log recipients themselves)."""
    service = [r.getMessage() for r in caplog.records if r.name == notifications.logger.name]
    assert service, "the service logs each dispatch"
    return "\n".join(service)


def _now() -> datetime:
    # Rows are due from the moment they are written (the model's default is the wall clock).
    return datetime.now(UTC) + timedelta(seconds=1)


# --- Slack --------------------------------------------------------------------------------


def test_slack_server_errors_are_retried_with_backoff_then_sent_once(
    db: Database, slack: SlackHook, client: httpx.Client, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    company = _company(db)
    nid = _enqueue(db, company)
    senders: dict[str, Sender] = {"slack": SlackSender(slack.url, client)}
    slack.answer(500, 503)
    t0 = _now()

    assert dispatch_due(db.uow(), senders, t0) == DispatchReport(retried=1)
    row = _row(db, company, nid)
    assert (row.status, row.attempts, row.last_error) == ("pending", 1, "HTTP 500")
    assert row.next_attempt_at == t0 + timedelta(seconds=30)

    # Not due yet: nothing is sent.
    assert dispatch_due(db.uow(), senders, t0 + timedelta(seconds=29)) == DispatchReport()
    assert len(slack.requests) == 1

    assert dispatch_due(db.uow(), senders, t0 + timedelta(seconds=30)) == DispatchReport(retried=1)
    row = _row(db, company, nid)
    assert (row.attempts, row.last_error) == (2, "HTTP 503")
    assert row.next_attempt_at == t0 + timedelta(seconds=30 + 60)

    t_sent = t0 + timedelta(seconds=90)
    assert dispatch_due(db.uow(), senders, t_sent) == DispatchReport(sent=1)
    row = _row(db, company, nid)
    assert (row.status, row.attempts, row.sent_at) == ("sent", 3, t_sent)

    # A row marked sent is never sent again.
    assert dispatch_due(db.uow(), senders, t0 + timedelta(days=1)) == DispatchReport()
    assert len(slack.requests) == 3
    for request in slack.requests:
        assert request["path"] == "/services/T0/B0/secret-token"
        assert request["content_type"] == "application/json"
        assert request["json"] == {"text": f"*{SUBJECT}*\n{BODY}"}
    log = _service_log(caplog)
    assert BODY not in log and "secret-token" not in log


@pytest.mark.parametrize("failure", ["500 after reading", "timeout after reading"])
def test_a_slack_retry_after_the_hook_took_the_message_carries_the_same_key(
    db: Database, slack: SlackHook, failure: str
) -> None:
    company = _company(db)
    first = _enqueue(db, company)
    if failure == "500 after reading":
        slack.answer(500)
    else:
        slack.answer(200, delay=1.0)  # reads the body, then answers too late
    t0 = _now()
    with httpx.Client(timeout=0.3) as http:
        senders: dict[str, Sender] = {"slack": SlackSender(slack.url, http)}
        assert dispatch_due(db.uow(), senders, t0) == DispatchReport(retried=1)
        retry = t0 + timedelta(seconds=30)
        assert dispatch_due(db.uow(), senders, retry) == DispatchReport(sent=1)
        second = _enqueue(db, company)
        assert dispatch_due(db.uow(), senders, _now()) == DispatchReport(sent=1)

    # The hook got the first message twice, each time with the same key (the draft
    # standard's quoted string); another message has a key of its own.
    keys = [request["idempotency_key"] for request in slack.requests]
    assert keys == [f'"{first}"', f'"{first}"', f'"{second}"']
    assert slack.requests[0]["json"] == slack.requests[1]["json"]
    assert _row(db, company, first).attempts == 2


def test_slack_text_is_escaped_so_user_text_cannot_ping_or_link(
    db: Database, slack: SlackHook, client: httpx.Client
) -> None:
    company = _company(db)
    _enqueue(db, company, subject="Offer for <!channel>", body="R&D <https://evil.test|click>")
    report = dispatch_due(db.uow(), {"slack": SlackSender(slack.url, client)}, _now())
    assert report == DispatchReport(sent=1)
    assert slack.requests[0]["json"] == {
        "text": "*Offer for &lt;!channel&gt;*\nR&amp;D &lt;https://evil.test|click&gt;"
    }


def test_slack_429_waits_at_least_the_retry_after(
    db: Database, slack: SlackHook, client: httpx.Client
) -> None:
    company = _company(db)
    nid = _enqueue(db, company)
    senders: dict[str, Sender] = {"slack": SlackSender(slack.url, client)}
    slack.answer(429, headers={"Retry-After": "300"})
    t0 = _now()
    assert dispatch_due(db.uow(), senders, t0) == DispatchReport(retried=1)
    row = _row(db, company, nid)
    assert (row.last_error, row.next_attempt_at) == ("HTTP 429", t0 + timedelta(seconds=300))
    assert dispatch_due(db.uow(), senders, t0 + timedelta(seconds=299)) == DispatchReport()
    assert dispatch_due(db.uow(), senders, t0 + timedelta(seconds=300)) == DispatchReport(sent=1)
    assert len(slack.requests) == 2


def test_slack_400_fails_after_one_attempt(
    db: Database, slack: SlackHook, client: httpx.Client
) -> None:
    company = _company(db)
    nid = _enqueue(db, company)
    senders: dict[str, Sender] = {"slack": SlackSender(slack.url, client)}
    slack.answer(400)
    t0 = _now()
    assert dispatch_due(db.uow(), senders, t0) == DispatchReport(failed=1)
    row = _row(db, company, nid)
    assert (row.status, row.attempts, row.last_error, row.sent_at) == (
        "failed",
        1,
        "HTTP 400",
        None,
    )
    assert dispatch_due(db.uow(), senders, t0 + timedelta(days=1)) == DispatchReport()
    assert len(slack.requests) == 1


def test_retryable_errors_fail_once_max_attempts_is_reached(
    db: Database, slack: SlackHook, client: httpx.Client
) -> None:
    company = _company(db)
    nid = _enqueue(db, company)
    senders: dict[str, Sender] = {"slack": SlackSender(slack.url, client)}
    slack.answer(502, 502, 502, 502)
    t0 = _now()
    reports = [
        dispatch_due(db.uow(), senders, t0 + timedelta(hours=i), max_attempts=3) for i in range(4)
    ]
    assert reports == [
        DispatchReport(retried=1),
        DispatchReport(retried=1),
        DispatchReport(failed=1),
        DispatchReport(),
    ]
    row = _row(db, company, nid)
    assert (row.status, row.attempts, row.last_error) == ("failed", 3, "HTTP 502")
    assert len(slack.requests) == 3


def test_same_dedupe_key_gives_one_row_and_one_message(
    db: Database, slack: SlackHook, client: httpx.Client
) -> None:
    company = _company(db)
    key = "candidate.applied:42"
    first = _enqueue(db, company, dedupe_key=key)
    second = _enqueue(db, company, dedupe_key=key, subject="Another subject")
    with db.uow() as uow:  # twice in one transaction, too
        assert uow.session is not None
        repo = NotificationRepository(uow.session)
        again = [
            notifications.enqueue(
                repo,
                company_id=company,
                event_type="candidate.applied",
                channel="slack",
                subject="s",
                body="b",
                dedupe_key=key,
            )
            for _ in range(2)
        ]
        uow.commit()
    assert first == second == again[0] == again[1]
    rows = _all(db, company)
    assert [(r.id, r.subject) for r in rows] == [(first, SUBJECT)]

    senders: dict[str, Sender] = {"slack": SlackSender(slack.url, client)}
    assert dispatch_due(db.uow(), senders, _now()) == DispatchReport(sent=1)
    assert dispatch_due(db.uow(), senders, _now()) == DispatchReport()
    assert len(slack.requests) == 1


def test_dedupe_key_of_another_company_is_refused(db: Database) -> None:
    company_a, company_b = _company(db), _company(db)
    nid = _enqueue(db, company_a, dedupe_key="shared-key")
    with pytest.raises(ValidationError, match="already in use"):
        _enqueue(db, company_b, dedupe_key="shared-key")
    assert _all(db, company_b) == []
    with db.uow() as uow:
        assert uow.session is not None
        assert NotificationRepository(uow.session).get(company_b, nid) is None
        assert NotificationRepository(uow.session).get(company_a, nid) is not None


@pytest.mark.parametrize("failure", ["refused", "timeout"])
def test_connection_errors_and_timeouts_are_retryable(
    db: Database, slack: SlackHook, failure: str
) -> None:
    company = _company(db)
    nid = _enqueue(db, company)
    if failure == "refused":
        url, expected = f"http://127.0.0.1:{_free_port()}/hook", "ConnectError"
    else:
        slack.answer(200, delay=1.0)
        url, expected = slack.url, "ReadTimeout"
    with httpx.Client(timeout=0.2) as http:
        report = dispatch_due(db.uow(), {"slack": SlackSender(url, http)}, _now())
    assert report == DispatchReport(retried=1)
    row = _row(db, company, nid)
    assert (row.status, row.attempts, row.last_error) == ("pending", 1, expected)


def test_rows_stay_pending_when_their_channel_has_no_sender(
    db: Database, slack: SlackHook, client: httpx.Client
) -> None:
    company = _company(db)
    slack_id = _enqueue(db, company)
    email_id = _enqueue(db, company, channel="email", recipient=RECIPIENT)
    assert dispatch_due(db.uow(), {}, _now()) == DispatchReport(skipped=2)
    report = dispatch_due(db.uow(), {"slack": SlackSender(slack.url, client)}, _now())
    assert report == DispatchReport(sent=1, skipped=1)
    email = _row(db, company, email_id)
    assert (email.status, email.attempts, email.last_error) == ("pending", 0, None)
    assert _row(db, company, slack_id).status == "sent"
    assert len(slack.requests) == 1


# --- email --------------------------------------------------------------------------------


def test_email_451_is_retried_then_delivered_as_plain_text(
    db: Database, mailbox: tuple[Mailbox, int], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    box, port = mailbox
    company = _company(db)
    nid = _enqueue(db, company, channel="email", recipient=RECIPIENT)
    senders: dict[str, Sender] = {"email": _email_sender(port)}
    box.data_replies.append("451 4.3.0 Try again later")
    t0 = _now()

    assert dispatch_due(db.uow(), senders, t0) == DispatchReport(retried=1)
    row = _row(db, company, nid)
    assert (row.status, row.attempts, row.last_error) == ("pending", 1, "SMTPDataError 451")
    assert box.received == []

    assert dispatch_due(db.uow(), senders, t0 + timedelta(seconds=30)) == DispatchReport(sent=1)
    assert dispatch_due(db.uow(), senders, t0 + timedelta(hours=2)) == DispatchReport()
    assert _row(db, company, nid).status == "sent"
    assert len(box.received) == 1
    envelope = box.received[0]
    assert (envelope.mail_from, envelope.rcpt_tos) == (FROM, [RECIPIENT])
    assert box.logins and all(login == (b"hr@acme.test", b"p@ss:word") for login in box.logins)
    assert isinstance(envelope.content, bytes)
    message = message_from_bytes(envelope.content, policy=policy.default)
    assert (message["Subject"], message["From"], message["To"]) == (SUBJECT, FROM, RECIPIENT)
    assert message["Message-ID"] == f"<{nid}@acme.test>"
    assert not message.is_multipart()
    assert message.get_content_type() == "text/plain"
    assert message.get_content().strip() == BODY
    log = _service_log(caplog)
    assert RECIPIENT not in log and BODY not in log


@pytest.mark.parametrize("failure", ["451 after reading", "timeout after reading"])
def test_an_email_resent_after_the_server_took_it_keeps_its_message_id(
    db: Database, mailbox: tuple[Mailbox, int], failure: str
) -> None:
    box, port = mailbox
    company = _company(db)
    first = _enqueue(db, company, channel="email", recipient=RECIPIENT)
    if failure == "451 after reading":
        box.data_replies.append("451 4.3.0 Try again later")
    else:
        box.data_delays.append(1.5)  # reads the message, then answers too late
    sender = EmailSender(
        f"smtp://hr%40acme.test:p%40ss%3Aword@127.0.0.1:{port}?from={FROM}",
        timeout=0.5,
        local_hostname="peopleos.test",
    )
    senders: dict[str, Sender] = {"email": sender}
    t0 = _now()
    assert dispatch_due(db.uow(), senders, t0) == DispatchReport(retried=1)
    assert dispatch_due(db.uow(), senders, t0 + timedelta(seconds=30)) == DispatchReport(sent=1)
    second = _enqueue(db, company, channel="email", recipient=RECIPIENT)
    assert dispatch_due(db.uow(), senders, _now()) == DispatchReport(sent=1)

    # The server read the first message twice, with one Message-ID; the other has its own.
    ids = [message_from_bytes(raw, policy=policy.default)["Message-ID"] for raw in box.read]
    assert ids == [f"<{first}@acme.test>", f"<{first}@acme.test>", f"<{second}@acme.test>"]
    assert _row(db, company, first).attempts == 2


def test_email_550_fails_without_storing_the_recipient(
    db: Database, mailbox: tuple[Mailbox, int], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    box, port = mailbox
    company = _company(db)
    nid = _enqueue(db, company, channel="email", recipient=RECIPIENT)
    box.rcpt_replies.append(f"550 5.1.1 <{RECIPIENT}>: no such user")
    senders: dict[str, Sender] = {"email": _email_sender(port)}
    t0 = _now()
    assert dispatch_due(db.uow(), senders, t0) == DispatchReport(failed=1)
    row = _row(db, company, nid)
    assert (row.status, row.attempts, row.last_error) == ("failed", 1, "SMTPRecipientsRefused 550")
    assert dispatch_due(db.uow(), senders, t0 + timedelta(hours=2)) == DispatchReport()
    assert box.received == []
    assert RECIPIENT not in _service_log(caplog)


def test_email_wrong_password_is_permanent_and_unreachable_server_is_retried(
    db: Database, mailbox: tuple[Mailbox, int]
) -> None:
    _, port = mailbox
    company = _company(db)
    nid = _enqueue(db, company, channel="email", recipient=RECIPIENT)
    wrong = EmailSender(
        f"smtp://hr:nope@127.0.0.1:{port}?from={FROM}", timeout=2.0, local_hostname="peopleos.test"
    )
    assert dispatch_due(db.uow(), {"email": wrong}, _now()) == DispatchReport(failed=1)
    assert _row(db, company, nid).last_error == "SMTPAuthenticationError 535"

    nid = _enqueue(db, company, channel="email", recipient=RECIPIENT)
    down = EmailSender(
        f"smtp://127.0.0.1:{_free_port()}?from={FROM}", timeout=2.0, local_hostname="peopleos.test"
    )
    assert dispatch_due(db.uow(), {"email": down}, _now()) == DispatchReport(retried=1)
    assert _row(db, company, nid).last_error == "ConnectionRefusedError"


# --- enqueue, claiming, configuration -----------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"channel": "sms"}, "Unknown notification channel"),
        ({"channel": "email"}, "needs a recipient"),
        ({"channel": "email", "recipient": "maya at example"}, "not a valid email"),
        ({"channel": "email", "recipient": "a@b.test, c@d.test"}, "not a valid email"),
        ({"subject": "   "}, "Subject must be"),
        ({"subject": "x" * 201}, "Subject must be"),
        ({"subject": "Hi\nBcc: all@example.com"}, "single line"),
        ({"body": " \n "}, "Body must be"),
        ({"body": "x" * 10_001}, "Body must be"),
        ({"dedupe_key": ""}, "Dedupe key"),
        ({"event_type": "e" * 51}, "Event type"),
        ({"payload": {"when": datetime.now(UTC)}}, "JSON"),
    ],
)
def test_enqueue_rejects_bad_input_and_writes_nothing(
    db: Database, fields: dict[str, Any], message: str
) -> None:
    company = _company(db)
    with pytest.raises(ValidationError, match=message):
        _enqueue(db, company, **fields)
    assert _all(db, company) == []


def test_notification_commits_and_rolls_back_with_the_callers_transaction(db: Database) -> None:
    company = _company(db)
    with db.uow() as uow:
        assert uow.session is not None
        notifications.enqueue(
            NotificationRepository(uow.session),
            company_id=company,
            event_type="hire.recorded",
            channel="slack",
            subject="New hire",
            body="Welcome aboard.",
            dedupe_key="hire.recorded:1",
            payload={"hire": 1},
        )
        # The caller's use case fails before committing.
    assert _all(db, company) == []
    nid = _enqueue(db, company, dedupe_key="hire.recorded:1", payload={"hire": 1})
    row = _row(db, company, nid)
    assert (row.status, row.attempts, row.payload) == ("pending", 0, {"hire": 1})


def test_a_claimed_row_is_not_claimed_by_a_second_dispatcher(db: Database) -> None:
    company = _company(db)
    older, newer = _enqueue(db, company), _enqueue(db, company)
    t0 = _now()
    with db.uow() as uow:
        assert uow.session is not None
        uow.session.get_one(Notification, older).next_attempt_at = t0 - timedelta(minutes=2)
        uow.session.get_one(Notification, newer).next_attempt_at = t0 - timedelta(minutes=1)
        uow.commit()
    first, second = db.uow(), db.uow()
    with first:
        assert first.session is not None
        claimed = NotificationRepository(first.session).claim_due(t0, 1)
        assert [row.id for row in claimed] == [older]
        with second:
            assert second.session is not None
            if db.engine.dialect.name == "postgresql":
                # SKIP LOCKED: the second dispatcher takes the next row, not the claimed one.
                others = NotificationRepository(second.session).claim_due(t0, 10)
                assert [row.id for row in others] == [newer]
            else:
                # SQLite: the claim holds the write lock, so a second claim cannot start.
                second.session.connection().exec_driver_sql("PRAGMA busy_timeout=50")
                with pytest.raises(OperationalError, match="locked"):
                    NotificationRepository(second.session).claim_due(t0, 10)
                second.session.connection().exec_driver_sql("PRAGMA busy_timeout=30000")


def test_backoff_doubles_from_30_seconds_up_to_one_hour() -> None:
    waits = [notifications.backoff(n).total_seconds() for n in (1, 2, 3, 4, 7, 8, 50)]
    assert waits == [30, 60, 120, 240, 1920, 3600, 3600]


def test_senders_from_settings(client: httpx.Client) -> None:
    assert notifications.senders_from_settings(load_settings({}), client) == {}
    settings = load_settings(
        {
            "PEOPLEOS_SLACK_WEBHOOK_URL": "https://hooks.slack.test/services/T/B/x",
            "PEOPLEOS_SMTP_URL": "smtps://hr:s3cret@mail.acme.test?from=hr@acme.test&starttls=0",
        }
    )
    senders = notifications.senders_from_settings(settings, client)
    assert set(senders) == {"slack", "email"}
    assert isinstance(senders["slack"], SlackSender) and senders["slack"].client is client
    email = senders["email"]
    assert isinstance(email, EmailSender)
    assert (email.use_ssl, email.port, email.starttls, email.from_address) == (
        True,
        465,
        False,
        FROM,
    )
    assert "s3cret" not in repr(email)
    no_from = load_settings({"PEOPLEOS_SMTP_URL": "smtp://mail.acme.test:587"})
    with pytest.raises(SettingsError, match="from="):
        notifications.senders_from_settings(no_from)
