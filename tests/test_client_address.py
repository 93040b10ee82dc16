"""Rate limits, the audit log and consent records key on the real client: X-Forwarded-For
is believed only from a configured proxy."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from ipaddress import ip_network
from types import SimpleNamespace

import pytest

from core.config import SettingsError, load_settings
from core.services.client_address import resolve

PROXIES = (ip_network("127.0.0.1/32"), ip_network("10.0.0.0/8"))


@pytest.mark.parametrize(
    ("peer", "forwarded", "expected"),
    [
        # No proxy configured for this peer: the header is the client's own words.
        ("203.0.113.5", "1.2.3.4", "203.0.113.5"),
        ("203.0.113.5", None, "203.0.113.5"),
        # From our proxy: the hop it saw, not what the client claimed before it.
        ("127.0.0.1", "6.6.6.6, 198.51.100.7", "198.51.100.7"),
        # Through two of our proxies: the first hop that is not ours, from the right.
        ("10.0.0.2", "6.6.6.6, 198.51.100.7, 10.0.0.9", "198.51.100.7"),
        # Every hop ours: the leftmost one.
        ("127.0.0.1", "10.0.0.3", "10.0.0.3"),
        # A malformed hop: stop at the last address a proxy vouched for.
        ("127.0.0.1", "198.51.100.7, <script>", "127.0.0.1"),
        ("127.0.0.1", "", "127.0.0.1"),
        ("2001:db8::1", "1.2.3.4", "2001:db8::1"),
    ],
)
def test_forwarded_for_is_believed_only_from_trusted_proxies(
    peer: str, forwarded: str | None, expected: str
) -> None:
    assert resolve(peer, forwarded, PROXIES) == expected


def test_without_trusted_proxies_the_peer_is_the_client() -> None:
    assert resolve("127.0.0.1", "198.51.100.7", ()) == "127.0.0.1"


def test_trusted_proxies_setting_is_parsed_and_checked() -> None:
    settings = load_settings(
        {"PEOPLEOS_ENV": "test", "PEOPLEOS_TRUSTED_PROXIES": " 127.0.0.1, 10.0.0.0/8"}
    )
    assert settings.trusted_proxies == PROXIES
    assert load_settings({"PEOPLEOS_ENV": "test"}).trusted_proxies == ()
    with pytest.raises(SettingsError, match="not an IP address"):
        load_settings({"PEOPLEOS_ENV": "test", "PEOPLEOS_TRUSTED_PROXIES": "proxy.local"})


def _context(monkeypatch: pytest.MonkeyPatch, ip: str | None, headers: dict[str, str]) -> None:
    from pages import _session

    fake = SimpleNamespace(context=SimpleNamespace(ip_address=ip, headers=headers))
    monkeypatch.setattr(_session, "st", fake)


def test_the_page_keys_on_the_peer_and_a_loopback_peer_is_named(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from pages._session import client_address

    _context(monkeypatch, "203.0.113.5", {"Host": "x", "X-Forwarded-For": "1.2.3.4"})
    assert client_address() == "203.0.113.5"
    # Streamlit reports a loopback peer as no address; it is still one client, not "unknown".
    _context(monkeypatch, None, {"Host": "x", "X-Forwarded-For": "1.2.3.4"})
    assert client_address() == "127.0.0.1"
    _context(monkeypatch, None, {})  # no server at all (AppTest)
    assert client_address() is None


@pytest.mark.db
def test_rotating_forwarded_for_headers_do_not_escape_the_login_limit(
    db,
    monkeypatch: pytest.MonkeyPatch,  # noqa: ANN001 - the database fixture
) -> None:
    from core.services import auth
    from core.services.errors import LoginBlockedError
    from pages._session import client_address

    # Unknown names are checked against a dummy hash of full cost; a cheap one will do here.
    monkeypatch.setattr(
        auth, "_dummy_hash", lambda: auth.hash_password("a-long-enough-pass-1", rounds=4)
    )
    t0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    for i in range(30):
        _context(monkeypatch, "203.0.113.5", {"Host": "x", "X-Forwarded-For": f"10.9.{i}.1"})
        auth.log_in(
            db.uow(), f"nobody{i}", "wrong-password!", client_address(), t0 + timedelta(seconds=i)
        )
    _context(monkeypatch, "203.0.113.5", {"Host": "x", "X-Forwarded-For": "10.9.99.1"})
    with pytest.raises(LoginBlockedError):
        auth.log_in(
            db.uow(), "nobody99", "wrong-password!", client_address(), t0 + timedelta(minutes=1)
        )
