"""Webhooks out: endpoints registered per company, events queued with the event's own
transaction, signed deliveries to a real receiver on 127.0.0.1, retries, the delivery log."""

from __future__ import annotations

import json
import socket
import ssl
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Text, func, select, type_coerce

from core.config import get_settings
from core.db import Database
from core.models import Candidate, Hire, Notification, Role, User, WebhookEndpoint
from core.services import (
    candidates,
    hires,
    intake,
    notifications,
    sourcing,
    webhook_delivery,
    webhooks,
)
from core.services.errors import NotFoundError, PermissionDeniedError, ValidationError
from tests.helpers import actor_of_role, company_ids_by_name, login_app

pytestmark = pytest.mark.db
NOW = datetime.now(UTC)


class Receiver:
    """An HTTP endpoint on 127.0.0.1 that records each request and answers with scripted
    statuses (200 once the script is spent)."""

    def __init__(self) -> None:
        self.script: list[int] = []
        self.requests: list[dict[str, Any]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the http.server hook name
                body = self.rfile.read(int(self.headers["Content-Length"])).decode()
                receiver.requests.append({"headers": dict(self.headers), "body": body})
                self.send_response(receiver.script.pop(0) if receiver.script else 200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass  # quiet: http.server writes every request to stderr

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hooks/peopleos?token=t0k"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    hook = Receiver()
    yield hook
    hook.close()


@pytest.fixture
def private_hosts(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Endpoints on 127.0.0.1 allowed (the receiver runs there)."""
    monkeypatch.setenv("PEOPLEOS_WEBHOOK_PRIVATE_HOSTS", "1")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture(scope="module")
def companies(world: Database) -> list[uuid.UUID]:
    return sorted(company_ids_by_name(world).values(), key=str)


def _dispatch(world: Database, now: datetime, *, private_hosts: bool = True):  # noqa: ANN202
    with httpx.Client(timeout=5) as client:
        sender = webhook_delivery.sender(world, private_hosts, client)
        return notifications.dispatch_due(world.uow(), {"webhook": sender}, now)


def _deliveries(world: Database, endpoint_id: uuid.UUID) -> list[Notification]:
    with world.uow() as uow:
        return list(
            uow.session.scalars(
                select(Notification)
                .where(Notification.recipient == str(endpoint_id))
                .order_by(Notification.created_at)
            )
        )


def _candidate(world: Database, company_id: uuid.UUID, status: str) -> Candidate:
    with world.uow() as uow:
        return uow.session.scalars(
            select(Candidate)
            .where(Candidate.company_id == company_id, Candidate.status == status)
            .order_by(Candidate.id)
        ).first()


def _register(world: Database, company_id: uuid.UUID, url: str, events: list[str]):  # noqa: ANN202
    admin = actor_of_role(world, company_id, "admin")
    return webhooks.register_endpoint(world.uow(), admin, url, events, "ATS sync", NOW)


def _endpoint_count(world: Database) -> int:
    with world.uow() as uow:
        return uow.session.scalar(select(func.count()).select_from(WebhookEndpoint)) or 0


@pytest.mark.parametrize(
    ("url", "events", "description", "message"),
    [
        ("http://hooks.example.com/x", ["model.promoted"], "BI", "must start with https://"),
        ("https://localhost/x", ["model.promoted"], "BI", "private or loopback"),
        ("https://10.1.2.3/x", ["model.promoted"], "BI", "private or loopback"),
        ("https://169.254.169.254/latest", ["model.promoted"], "BI", "metadata"),
        ("https://[::1]:8443/x", ["model.promoted"], "BI", "private or loopback"),
        ("https://[::ffff:10.0.0.7]/x", ["model.promoted"], "BI", "private or loopback"),
        ("https://u:p@hooks.example.com/", ["model.promoted"], "BI", "user and password"),
        ("https://hooks.example.com:99999/", ["model.promoted"], "BI", "not a URL"),
        ("https://hooks.example.com/", [], "BI", "Choose one or more events"),
        ("https://hooks.example.com/", ["candidate.hired"], "BI", "Choose one or more events"),
        ("https://hooks.example.com/", ["model.promoted"], "  ", "Say who receives it"),
    ],
)
def test_a_bad_endpoint_is_refused_with_a_reason_and_nothing_is_stored(
    world: Database,
    companies: list[uuid.UUID],
    url: str,
    events: list[str],
    description: str,
    message: str,
) -> None:
    before = _endpoint_count(world)
    admin = actor_of_role(world, companies[0], "admin")
    with pytest.raises(ValidationError, match=message):
        webhooks.register_endpoint(world.uow(), admin, url, events, description, NOW)
    assert _endpoint_count(world) == before


@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254/latest/meta-data",
        "http://[::ffff:169.254.169.254]/",
        "http://224.0.0.1/",
    ],
)
def test_link_local_multicast_and_reserved_hosts_are_refused_even_in_development(
    world: Database, companies: list[uuid.UUID], private_hosts: None, url: str
) -> None:
    admin = actor_of_role(world, companies[0], "admin")
    with pytest.raises(ValidationError, match="never go there"):
        webhooks.register_endpoint(world.uow(), admin, url, ["model.promoted"], "probe", NOW)


def test_only_admins_manage_endpoints_and_another_companys_are_unknown(
    world: Database, companies: list[uuid.UUID]
) -> None:
    lead = actor_of_role(world, companies[0], "talent_lead")
    with pytest.raises(PermissionDeniedError):
        webhooks.register_endpoint(
            world.uow(), lead, "https://hooks.example.com/", ["model.promoted"], "x", NOW
        )
    with pytest.raises(PermissionDeniedError):
        webhooks.list_deliveries(world.uow(), lead)
    endpoint, secret = _register(
        world, companies[0], "https://hooks.example.com/in", ["model.promoted"]
    )
    assert secret.startswith(webhooks.SECRET_PREFIX) and len(secret) > 40
    other_admin = actor_of_role(world, companies[1], "admin")
    assert endpoint.id not in {e.id for e in webhooks.list_endpoints(world.uow(), other_admin)}
    for act in (webhooks.disable_endpoint, webhooks.send_test):
        with pytest.raises(NotFoundError):
            act(world.uow(), other_admin, endpoint.id, NOW)
    with world.uow() as uow:
        stored = uow.session.get(WebhookEndpoint, endpoint.id)
        column = WebhookEndpoint.__table__.c
        raw = uow.session.execute(  # the stored values, not decrypted
            select(type_coerce(column.url, Text), type_coerce(column.secret, Text)).where(
                column.id == endpoint.id
            )
        ).one()
    assert stored.disabled_at is None and stored.url == "https://hooks.example.com/in"
    # URL and secret are encrypted at rest; the list shows scheme and host only.
    assert "hooks.example.com" not in raw[0] and secret not in raw[1]
    assert endpoint.host == "https://hooks.example.com"


def test_events_reach_a_real_receiver_signed_retried_and_logged(
    world: Database, companies: list[uuid.UUID], receiver: Receiver, private_hosts: None
) -> None:
    company = companies[0]
    now = datetime.now(UTC)  # the outbox's due times are the real clock's
    endpoint, secret = _register(
        world, company, receiver.url, ["candidate.stage_changed", "hire.outcome_recorded"]
    )
    # Another company's endpoint for the same events hears nothing of this company's.
    other, _ = _register(world, companies[1], receiver.url, ["candidate.stage_changed"])
    lead = actor_of_role(world, company, "talent_lead")
    moved = _candidate(world, company, "applied")
    candidates.move_stage(
        world.uow(), lead, [moved.id], "screening", reason="Strong portfolio", now=now
    )
    with world.uow() as uow:
        hire = uow.session.scalars(
            select(Hire).where(Hire.company_id == company).order_by(Hire.id)
        ).first()
    founder = actor_of_role(world, company, "founder")
    hires.record_outcome(world.uow(), founder, hire.id, "success", now)
    assert [d.event_type for d in _deliveries(world, endpoint.id)] == [
        "candidate.stage_changed",
        "hire.outcome_recorded",
    ]
    assert _deliveries(world, other.id) == []

    receiver.script = [503]  # the first try fails; the receiver is back for the retry
    first = _dispatch(world, now + timedelta(seconds=5))
    assert (first.sent, first.retried) == (1, 1)
    admin = actor_of_role(world, company, "admin")
    log = webhooks.list_deliveries(world.uow(), admin, endpoint_id=endpoint.id)
    pending = [d for d in log if d.status == "pending"]
    assert len(pending) == 1 and pending[0].last_error == "HTTP 503"
    assert pending[0].next_attempt_at is not None and pending[0].endpoint == endpoint.host
    assert _dispatch(world, now + timedelta(seconds=20)).sent == 0  # backoff: not yet
    assert _dispatch(world, now + timedelta(seconds=40)).sent == 1
    assert {d.status for d in webhooks.list_deliveries(world.uow(), admin)} == {"sent"}

    assert len(receiver.requests) == 3
    bodies = [json.loads(r["body"]) for r in receiver.requests]
    by_type = {b["type"]: b for b in bodies}
    assert by_type["candidate.stage_changed"]["data"] == {
        "candidate_id": str(moved.id),
        "role_id": str(moved.role_id),
        "from": "applied",
        "to": "screening",
        "reason_code": None,
    }
    assert by_type["hire.outcome_recorded"]["data"]["outcome"] == "success"
    assert all(b["company_id"] == str(company) for b in bodies)
    for request in receiver.requests:
        headers = request["headers"]
        assert webhook_delivery.verify_signature(
            secret, headers[webhook_delivery.SIGNATURE_HEADER], request["body"], datetime.now(UTC)
        )
        assert headers[webhook_delivery.EVENT_HEADER] == json.loads(request["body"])["type"]
        # Ids and codes only: no name, email or the free-text reason leaves PeopleOS.
        for private in (moved.full_name, moved.email, "Strong portfolio"):
            assert private not in request["body"]
    # Both tries of the failed delivery carried the same delivery id.
    retried = [r for r in receiver.requests if r["body"] == receiver.requests[0]["body"]]
    assert len(retried) == 2
    assert len({r["headers"][webhook_delivery.DELIVERY_HEADER] for r in retried}) == 1


def test_an_event_whose_transaction_fails_queues_nothing(
    world: Database, companies: list[uuid.UUID], private_hosts: None
) -> None:
    company = companies[0]
    endpoint, _ = _register(world, company, "http://127.0.0.1:9/none", ["candidate.stage_changed"])
    lead = actor_of_role(world, company, "talent_lead")
    movable = _candidate(world, company, "applied")
    hired = _candidate(world, company, "hired")
    # The first move is valid and announced; the second is refused, so neither commits.
    with pytest.raises(ValidationError, match="cannot move"):
        candidates.move_stage(
            world.uow(), lead, [movable.id, hired.id], "screening", reason="r", now=NOW
        )
    assert _deliveries(world, endpoint.id) == []
    webhooks.disable_endpoint(world.uow(), actor_of_role(world, company, "admin"), endpoint.id, NOW)


def test_an_application_is_announced_to_its_company(
    world: Database, companies: list[uuid.UUID], private_hosts: None
) -> None:
    with world.uow() as uow:
        role_id, company = uow.session.execute(
            select(Candidate.role_id, Candidate.company_id)
            .where(Candidate.role_id.is_not(None), Candidate.status == "applied")
            .order_by(Candidate.id)
        ).first()
    endpoint, _ = _register(world, company, "http://127.0.0.1:9/apply", ["candidate.applied"])
    with world.uow() as uow:
        uow.session.get(Role, role_id).status = "active"
        uow.commit()
    application = intake.Application(
        role_id=role_id,
        full_name="Webhook Applicant",
        email=f"applicant.{uuid.uuid4().hex[:6]}@example.com",
        resume=b"Webhook Applicant\nExperience\nBackend engineer, Python, 5 years.",
        resume_filename="cv.txt",
        consent=True,
    )
    receipt = intake.submit_application(world.uow(), application, client="203.0.113.9", now=NOW)
    (delivery,) = _deliveries(world, endpoint.id)
    body = json.loads(delivery.body)
    assert body["type"] == "candidate.applied"
    assert body["data"]["candidate_id"] == str(receipt.candidate_id)
    assert body["data"]["role_id"] == str(role_id) and body["data"]["reapplied"] is False
    assert "Webhook Applicant" not in delivery.body and "example.com" not in delivery.body
    # A candidate staff add (the API's POST /roles/{id}/candidates) is announced the same way.
    lead = actor_of_role(world, company, "talent_lead")
    added = sourcing.add_candidate(
        world.uow(),
        lead,
        role_id,
        sourcing.NewCandidate(
            "Sourced Person", "sourced.hook@example.com", source="referral from Jane Roe"
        ),
        NOW,
    )
    sourced = _deliveries(world, endpoint.id)[-1].body
    assert json.loads(sourced)["data"] == {
        "candidate_id": str(added),
        "role_id": str(role_id),
        "reapplied": False,
    }
    assert "Jane Roe" not in sourced  # the source is the staff's free text: it stays here


def test_disabled_endpoints_and_private_addresses_are_never_sent_to(
    world: Database, companies: list[uuid.UUID], receiver: Receiver, private_hosts: None
) -> None:
    company = companies[1]
    admin = actor_of_role(world, company, "admin")
    gone, _ = _register(world, company, receiver.url, ["model.promoted"])
    webhooks.send_test(world.uow(), admin, gone.id, NOW)
    webhooks.disable_endpoint(world.uow(), admin, gone.id, NOW)
    with pytest.raises(ValidationError, match="disabled"):
        webhooks.send_test(world.uow(), admin, gone.id, NOW)
    local, _ = _register(world, company, receiver.url, ["model.promoted"])
    webhooks.send_test(world.uow(), admin, local.id, NOW)
    # A worker without PEOPLEOS_WEBHOOK_PRIVATE_HOSTS refuses 127.0.0.1 when it sends.
    report = _dispatch(world, datetime.now(UTC) + timedelta(seconds=5), private_hosts=False)
    assert report.failed >= 2
    errors = {d.endpoint_id: d.last_error for d in webhooks.list_deliveries(world.uow(), admin)}
    assert errors[gone.id] == "endpoint disabled or removed"
    assert errors[local.id] == "refused: the host resolves to a private address"
    assert receiver.requests == []


@pytest.mark.parametrize(
    ("status", "outcome"), [(302, "failed"), (410, "failed"), (408, "pending"), (429, "pending")]
)
def test_a_status_is_tried_again_or_fails_at_once_and_redirects_are_not_followed(
    world: Database,
    companies: list[uuid.UUID],
    receiver: Receiver,
    private_hosts: None,
    status: int,
    outcome: str,
) -> None:
    admin = actor_of_role(world, companies[1], "admin")
    endpoint, _ = _register(world, companies[1], receiver.url, ["model.promoted"])
    webhooks.send_test(world.uow(), admin, endpoint.id, NOW)
    receiver.script = [status]
    _dispatch(world, datetime.now(UTC) + timedelta(seconds=5))
    (delivery,) = webhooks.list_deliveries(world.uow(), admin, endpoint_id=endpoint.id)
    assert (delivery.status, delivery.attempts) == (outcome, 1)
    assert delivery.last_error == f"HTTP {status}" and len(receiver.requests) == 1
    webhooks.disable_endpoint(world.uow(), admin, endpoint.id, NOW)


def test_a_delivery_goes_to_the_address_that_was_checked(
    world: Database,
    companies: list[uuid.UUID],
    receiver: Receiver,
    private_hosts: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """DNS rebinding: a name that answers the check with one address and the connection
    with another must not move the request there."""
    port = receiver.server.server_address[1]
    answers = iter(["127.0.0.1"])  # then 127.0.0.2, where nothing listens
    real = socket.getaddrinfo

    def rebinding(host: str, *args: Any, **kwargs: Any) -> list:
        if host != "hooks.rebind.test":
            return real(host, *args, **kwargs)
        address = next(answers, "127.0.0.2")
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    admin = actor_of_role(world, companies[1], "admin")
    url = f"http://hooks.rebind.test:{port}/in"
    endpoint, _ = _register(world, companies[1], url, ["model.promoted"])
    webhooks.send_test(world.uow(), admin, endpoint.id, NOW)
    _dispatch(world, datetime.now(UTC) + timedelta(seconds=5))
    (delivery,) = webhooks.list_deliveries(world.uow(), admin, endpoint_id=endpoint.id)
    assert delivery.status == "sent", delivery.last_error
    (request,) = receiver.requests
    assert request["headers"]["Host"] == f"hooks.rebind.test:{port}"
    webhooks.disable_endpoint(world.uow(), admin, endpoint.id, NOW)


def _certificate(name: str, folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for ``name`` and its key, as PEM files."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


def test_an_https_delivery_to_the_checked_address_verifies_the_certificate_by_name(
    world: Database,
    companies: list[uuid.UUID],
    receiver: Receiver,
    private_hosts: None,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    cert, key = _certificate("hooks.tls.test", tmp_path)
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_tls.load_cert_chain(cert, key)
    receiver.server.socket = server_tls.wrap_socket(receiver.server.socket, server_side=True)
    port = receiver.server.server_address[1]
    real = socket.getaddrinfo

    def resolve(host: str, *args: Any, **kwargs: Any) -> list:
        if host == "hooks.tls.test":
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port))]
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    admin = actor_of_role(world, companies[1], "admin")
    endpoint, _ = _register(
        world, companies[1], f"https://hooks.tls.test:{port}/in", ["model.promoted"]
    )
    webhooks.send_test(world.uow(), admin, endpoint.id, NOW)
    trusted = ssl.create_default_context(cafile=str(cert))
    with httpx.Client(timeout=5, verify=trusted) as client:
        sender = webhook_delivery.sender(world, True, client)
        notifications.dispatch_due(
            world.uow(), {"webhook": sender}, datetime.now(UTC) + timedelta(seconds=5)
        )
    (delivery,) = webhooks.list_deliveries(world.uow(), admin, endpoint_id=endpoint.id)
    assert delivery.status == "sent", delivery.last_error
    assert receiver.requests[0]["headers"]["Host"] == f"hooks.tls.test:{port}"
    webhooks.disable_endpoint(world.uow(), admin, endpoint.id, NOW)


def test_a_receiver_that_trickles_its_answer_is_cut_off_at_the_deadline(
    world: Database, companies: list[uuid.UUID], private_hosts: None
) -> None:
    """httpx's timeouts are per read: a header line every 0.2 s would hold the outbox."""

    class Trickle(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - the http.server hook name
            self.rfile.read(int(self.headers["Content-Length"]))
            self.wfile.write(b"HTTP/1.1 200 OK\r\n")
            try:
                for _ in range(100):
                    time.sleep(0.2)
                    self.wfile.write(b"X-Wait: 1\r\n")
                    self.wfile.flush()
            except OSError:
                pass  # the sender hung up

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            pass  # quiet: http.server writes every request to stderr

    server = ThreadingHTTPServer(("127.0.0.1", 0), Trickle)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        admin = actor_of_role(world, companies[1], "admin")
        url = f"http://127.0.0.1:{server.server_address[1]}/slow"
        endpoint, _ = _register(world, companies[1], url, ["model.promoted"])
        webhooks.send_test(world.uow(), admin, endpoint.id, NOW)
        started = time.monotonic()
        with httpx.Client(timeout=5) as client:
            sender = webhook_delivery.WebhookSender(
                webhook_delivery.endpoint_targets(world), client, private_hosts=True, deadline=1.0
            )
            notifications.dispatch_due(
                world.uow(), {"webhook": sender}, datetime.now(UTC) + timedelta(seconds=5)
            )
        assert time.monotonic() - started < 5  # the trickle alone would take 20 s
        (delivery,) = webhooks.list_deliveries(world.uow(), admin, endpoint_id=endpoint.id)
        assert delivery.status == "pending"  # tried again later
        assert delivery.last_error == "Timeout: no whole answer within 1 s"
        webhooks.disable_endpoint(world.uow(), admin, endpoint.id, NOW)
    finally:
        server.shutdown()
        server.server_close()


def test_a_signature_fails_for_another_body_secret_or_an_old_time() -> None:
    body = '{"type":"model.promoted"}'
    now = datetime(2026, 11, 29, 12, tzinfo=UTC)
    header = webhook_delivery.sign("whsec_a", int(now.timestamp()), body)
    assert webhook_delivery.verify_signature("whsec_a", header, body, now)
    assert not webhook_delivery.verify_signature("whsec_b", header, body, now)
    assert not webhook_delivery.verify_signature("whsec_a", header, body + " ", now)
    assert not webhook_delivery.verify_signature(
        "whsec_a", header, body, now + timedelta(minutes=6)
    )
    assert not webhook_delivery.verify_signature("whsec_a", "t=x,v1=00", body, now)


def test_the_webhooks_page_registers_tests_and_logs(
    world_app: Database, companies: list[uuid.UUID], private_hosts: None
) -> None:
    with world_app.uow() as uow:
        username = uow.session.scalars(
            select(User.username).where(User.company_id == companies[0], User.role == "admin")
        ).first()
    at = login_app(username, "webhooks")
    assert not at.exception
    at.text_input[0].input("http://127.0.0.1:9/page-hook")
    at.text_input[1].input("Our ATS")
    at.button[0].click().run()  # the form's Register
    assert not at.exception and not at.error
    secret = at.code[0].value
    assert secret.startswith(webhooks.SECRET_PREFIX)
    rows = at.dataframe[0].value
    assert "Our ATS" in set(rows["Receiver"]) and "http://127.0.0.1:9" in set(rows["Host"])
    chosen = next(s for s in at.selectbox if s.label == "Endpoint")
    chosen.select_index(next(i for i, o in enumerate(chosen.options) if "Our ATS" in o)).run()
    next(b for b in at.button if b.label == "Send a test event").click().run()
    assert not at.exception
    log = at.dataframe[-1].value
    assert "webhook.test" in set(log["Event"]) and "pending" in set(log["Status"])
