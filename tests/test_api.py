"""The REST API (api/): logins with access and refresh tokens, API keys, the permission
matrix and company isolation on every route, cursor pages, one error shape."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import jwt
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from core.db import Database
from core.models import (
    ApiKey,
    ApiRefreshToken,
    AuditLog,
    Candidate,
    Hire,
    Interview,
    OnboardingPlan,
    Role,
    User,
)
from core.permissions import ROLES, Permission, can
from core.services import api_access
from tests.conftest import DEMO_PASSWORD
from tests.helpers import CachingEmbedder, actor_of_role, company_ids_by_name

pytestmark = pytest.mark.db
V1 = "/api/v1"


@pytest.fixture(scope="module")
def client(world: Database) -> Iterator[TestClient]:
    from api import deps
    from api.main import create_app
    from core.config import get_settings
    from core.services import roles

    language: dict[str, object] = {}

    def encoder() -> object:  # MiniLM (each text embedded once per test run), on first use
        return language.setdefault("encoder", CachingEmbedder())

    def references() -> object:
        if "references" not in language:
            language["references"] = roles.reference_index(encoder())
        return language["references"]

    app = create_app()
    app.dependency_overrides[deps.encoder] = encoder
    app.dependency_overrides[deps.references] = references
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PEOPLEOS_DATABASE_URL", world.url)
        get_settings.cache_clear()
        with TestClient(app) as test_client:
            yield test_client
    get_settings.cache_clear()


@pytest.fixture(scope="module")
def companies(world: Database) -> list[uuid.UUID]:
    """The world's two companies, the one whose users log in first."""
    ids = company_ids_by_name(world)
    return sorted(ids.values(), key=lambda i: str(i))


def _username(world: Database, company_id: uuid.UUID, role: str) -> str:
    with world.uow() as uow:
        return uow.session.scalars(
            select(User.username).where(User.company_id == company_id, User.role == role)
        ).first()


_tokens: dict[str, dict] = {}


def _login(client: TestClient, username: str) -> dict:
    response = client.post(
        f"{V1}/auth/token", json={"username": username, "password": DEMO_PASSWORD}
    )
    assert response.status_code == 200, response.text
    return response.json()


def _headers(client: TestClient, username: str) -> dict[str, str]:
    """A bearer header of ``username`` (one login per user and module)."""
    if username not in _tokens:
        _tokens[username] = _login(client, username)
    return {"Authorization": f"Bearer {_tokens[username]['access_token']}"}


def _one(world: Database, model: type, company_id: uuid.UUID) -> uuid.UUID:
    with world.uow() as uow:
        return uow.session.scalars(
            select(model.id).where(model.company_id == company_id).order_by(model.id)
        ).first()


# --------------------------------------------------------------------------- tokens


def test_a_login_refreshes_and_a_reused_refresh_token_ends_the_whole_login(
    client: TestClient, world: Database, companies: list[uuid.UUID]
) -> None:
    company = companies[0]
    first = _login(client, _username(world, company, "talent_lead"))
    assert first["token_type"] == "Bearer" and first["expires_in"] == 900
    roles = client.get(
        f"{V1}/companies/{company}/roles",
        headers={"Authorization": f"Bearer {first['access_token']}"},
    )
    assert roles.status_code == 200 and roles.json()

    second = client.post(f"{V1}/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert second.status_code == 200
    pair = second.json()
    assert pair["refresh_token"] != first["refresh_token"]
    bearer = {"Authorization": f"Bearer {pair['access_token']}"}
    assert client.get(f"{V1}/companies/{company}/roles", headers=bearer).status_code == 200

    reused = client.post(f"{V1}/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert reused.status_code == 401
    assert reused.json()["error"]["code"] == "unauthorized"
    assert "already used" in reused.json()["error"]["message"]
    # The whole family: the newer refresh token and its access token are dead too.
    later = client.post(f"{V1}/auth/refresh", json={"refresh_token": pair["refresh_token"]})
    assert later.status_code == 401
    assert client.get(f"{V1}/companies/{company}/roles", headers=bearer).status_code == 401
    with world.uow() as uow:
        assert uow.session.scalars(
            select(AuditLog).where(AuditLog.action == "api.refresh_token_reused")
        ).first()
        stored = uow.session.scalars(select(ApiRefreshToken.token_hash)).all()
    assert first["refresh_token"] not in stored  # only hashes are kept


def test_expired_tampered_and_logged_out_tokens_are_refused(
    client: TestClient, world: Database, companies: list[uuid.UUID]
) -> None:
    company = companies[0]
    username = _username(world, company, "founder")
    url = f"{V1}/companies/{company}/dna"
    old = api_access.log_in(
        world.uow(), username, DEMO_PASSWORD, "test", datetime.now(UTC) - timedelta(hours=1)
    )
    expired = client.get(url, headers={"Authorization": f"Bearer {old.access_token}"})
    assert expired.status_code == 401 and "expired" in expired.json()["error"]["message"]
    assert expired.headers["www-authenticate"] == "Bearer"

    pair = _login(client, username)
    head, body, signature = pair["access_token"].split(".")
    flipped = signature[:-2] + ("A" if signature[-2] != "A" else "B") + signature[-1]
    for bad in (f"{head}.{body}.{flipped}", "not-a-token", f"{head}.{body}."):
        answer = client.get(url, headers={"Authorization": f"Bearer {bad}"})
        assert answer.status_code == 401, bad
    # A token signed with another key (the published development secret) opens nothing.
    claims = jwt.decode(pair["access_token"], options={"verify_signature": False})
    forged = jwt.encode(claims, "peopleos-dev-only-secret-change-me", algorithm="HS256")
    assert client.get(url, headers={"Authorization": f"Bearer {forged}"}).status_code == 401
    unsigned = jwt.encode(claims, None, algorithm="none")
    assert client.get(url, headers={"Authorization": f"Bearer {unsigned}"}).status_code == 401

    bearer = {"Authorization": f"Bearer {pair['access_token']}"}
    assert client.get(url, headers=bearer).status_code == 200
    out = client.post(f"{V1}/auth/logout", json={"refresh_token": pair["refresh_token"]})
    assert out.status_code == 204
    assert client.get(url, headers=bearer).status_code == 401
    again = client.post(f"{V1}/auth/refresh", json={"refresh_token": pair["refresh_token"]})
    assert again.status_code == 401
    assert client.get(url).status_code == 401  # no credentials at all


def test_wrong_passwords_lock_the_account_with_retry_after(
    client: TestClient, world: Database, companies: list[uuid.UUID]
) -> None:
    username = _username(world, companies[1], "employee")
    for _ in range(5):
        wrong = client.post(f"{V1}/auth/token", json={"username": username, "password": "nope"})
        assert wrong.status_code == 401
        assert wrong.json() == {
            "error": {"code": "unauthorized", "message": "Wrong username or password."}
        }
    locked = client.post(f"{V1}/auth/token", json={"username": username, "password": DEMO_PASSWORD})
    assert locked.status_code == 429
    assert 800 <= int(locked.headers["retry-after"]) <= 900
    assert locked.json()["error"]["code"] == "rate_limited"
    with world.uow() as uow:
        actions = uow.session.scalars(
            select(AuditLog.summary).where(
                AuditLog.action == "login.failed", AuditLog.actor == username
            )
        ).all()
    assert len(actions) == 5 and all(s == {"via": "api"} for s in actions)


# --------------------------------------------------------------------------- matrix

# Each read route with the permission it needs ("*": any logged-in role).
ROUTES = (
    ("/companies/{company}/dna", Permission.VIEW_COMPANY_DNA),
    ("/companies/{company}/dna/recommendations", Permission.VIEW_COMPANY_DNA),
    ("/companies/{company}/roles", Permission.MANAGE_ROLES),
    ("/roles/{role}", Permission.MANAGE_ROLES),
    ("/roles/{role}/intelligence", Permission.MANAGE_ROLES),
    ("/roles/{role}/candidates", Permission.VIEW_CANDIDATES),
    ("/candidates/{candidate}", Permission.VIEW_CANDIDATES),
    ("/candidates/{candidate}/genome", Permission.VIEW_SCORES),
    ("/candidates/{candidate}/interviews", Permission.VIEW_CANDIDATES),
    ("/companies/{company}/analytics", Permission.VIEW_OVERVIEW),
    ("/companies/{company}/outcomes", Permission.RECORD_OUTCOMES),
    ("/interviews/{interview}", Permission.VIEW_CANDIDATES),
    ("/hires/{hire}/onboarding", Permission.MANAGE_ONBOARDING),
    ("/onboarding/{plan}/status", Permission.MANAGE_ONBOARDING),
    ("/companies/{company}/predictions", Permission.VIEW_MODELS),
)
# The POST routes that only read, with a body: as the matrix says too.
READ_POSTS = (("/candidates/{candidate}/predict", Permission.VIEW_SCORES, {"changes": {}}),)


def _ids(world: Database, company: uuid.UUID) -> dict[str, uuid.UUID]:
    return {
        "company": company,
        "role": _one(world, Role, company),
        "candidate": _one(world, Candidate, company),
        "interview": _one(world, Interview, company),
        "hire": _one(world, Hire, company),
        "plan": _one(world, OnboardingPlan, company),
    }


@pytest.mark.parametrize("role", ROLES)
def test_every_route_answers_each_role_as_the_matrix_says_and_other_companies_404(
    client: TestClient, world: Database, companies: list[uuid.UUID], role: str
) -> None:
    own, other = companies
    headers = _headers(client, _username(world, own, role))
    mine, theirs = _ids(world, own), _ids(world, other)
    for template, permission in ROUTES:
        answer = client.get(V1 + template.format(**mine), headers=headers)
        if role == "employee" and "{plan}" in template and answer.status_code == 200:
            continue  # the plan happens to be this new hire's own
        if not can(role, permission):
            assert answer.status_code == 403, (role, template, answer.text)
            assert answer.json()["error"]["code"] == "forbidden"
            continue
        if role == "interviewer" and ("{candidate}" in template or "{interview}" in template):
            # Interviewers see only candidates they interview: others are unknown to them.
            assert answer.status_code in (200, 404), (role, template)
        else:
            assert answer.status_code == 200, (role, template, answer.text)
        # Another company's ids answer as unknown ones, whatever the role may do.
        foreign = client.get(V1 + template.format(**theirs), headers=headers)
        assert foreign.status_code == 404, (role, template, foreign.text)
        assert foreign.json()["error"]["code"] == "not_found"


def test_an_interviewer_sees_only_their_candidates_and_no_scores(
    client: TestClient, world: Database, companies: list[uuid.UUID]
) -> None:
    company = companies[0]
    interviewer = actor_of_role(world, company, "interviewer")
    headers = _headers(client, interviewer.username)
    seen = 0
    with world.uow() as uow:
        role_ids = uow.session.scalars(select(Role.id).where(Role.company_id == company)).all()
    for role_id in role_ids:
        page = client.get(f"{V1}/roles/{role_id}/candidates?limit=200", headers=headers).json()
        assert page["scores_visible"] is False
        for item in page["items"]:
            assert item["fit_score"] is None and item["success_probability"] is None
            profile = client.get(f"{V1}/candidates/{item['id']}", headers=headers)
            assert profile.status_code == 200 and profile.json()["fit_score"] is None
            seen += 1
        refused = client.get(f"{V1}/roles/{role_id}/candidates?sort=fit", headers=headers)
        assert refused.status_code == 422
    with world.uow() as uow:
        everyone = len(
            uow.session.scalars(select(Candidate.id).where(Candidate.company_id == company)).all()
        )
    assert 0 < seen < everyone


# --------------------------------------------------------------------------- cursor pages


@pytest.mark.parametrize("sort", ["newest", "fit", "success"])
def test_cursor_pages_cover_the_role_once_in_order(
    client: TestClient, world: Database, companies: list[uuid.UUID], sort: str
) -> None:
    company = companies[0]
    headers = _headers(client, _username(world, company, "talent_lead"))
    with world.uow() as uow:
        role_id, count = max(
            (
                (
                    r,
                    len(
                        uow.session.scalars(
                            select(Candidate.id).where(Candidate.role_id == r)
                        ).all()
                    ),
                )
                for r in uow.session.scalars(select(Role.id).where(Role.company_id == company))
            ),
            key=lambda pair: pair[1],
        )
    assert count > 7
    items: list[dict] = []
    cursor = None
    while True:
        query = f"sort={sort}&limit=7" + (f"&cursor={cursor}" if cursor else "")
        page = client.get(f"{V1}/roles/{role_id}/candidates?{query}", headers=headers)
        assert page.status_code == 200, page.text
        items += page.json()["items"]
        cursor = page.json()["next_cursor"]
        if cursor is None:
            break
    assert len(items) == count == len({i["id"] for i in items})
    key = {"newest": None, "fit": "fit_score", "success": "success_probability"}[sort]
    if key:
        scores = [i[key] for i in items]
        scored = [s for s in scores if s is not None]
        assert scored == sorted(scored, reverse=True)
        assert scores[: len(scored)] == scored  # unscored last
    applied = [i["applied_at"] for i in items] if key is None else []
    assert applied == sorted(applied, reverse=True)


def test_a_bad_cursor_or_limit_is_refused_in_the_one_error_shape(
    client: TestClient, world: Database, companies: list[uuid.UUID]
) -> None:
    company = companies[0]
    headers = _headers(client, _username(world, company, "talent_lead"))
    role_id = _one(world, Role, company)
    base = f"{V1}/roles/{role_id}/candidates"
    first = client.get(f"{base}?limit=1", headers=headers).json()
    assert first["next_cursor"]
    wrong_sort = client.get(f"{base}?sort=fit&cursor={first['next_cursor']}", headers=headers)
    assert wrong_sort.status_code == 422
    assert wrong_sort.json()["error"]["code"] == "invalid"
    for query in ("cursor=garbage", "limit=0", "limit=201", "sort=salary", "status=lost"):
        answer = client.get(f"{base}?{query}", headers=headers)
        assert answer.status_code == 422, query
        assert set(answer.json()["error"]) <= {"code", "message", "details"}
    missing = client.get(f"{V1}/roles/{uuid.uuid4()}/candidates", headers=headers)
    assert missing.status_code == 404
    assert client.get(f"{V1}/no-such-route", headers=headers).json()["error"]["code"] == (
        "not_found"
    )
    spec = client.get(f"{V1}/openapi.json").json()
    assert f"{V1}/roles/{{role_id}}/candidates" in spec["paths"]


# --------------------------------------------------------------------------- API keys


def test_an_api_key_acts_with_exactly_its_permissions_until_revoked(
    client: TestClient, world: Database, companies: list[uuid.UUID]
) -> None:
    company = companies[0]
    admin = actor_of_role(world, company, "admin")
    now = datetime.now(UTC)
    view, secret = api_access.create_key(
        world.uow(),
        admin,
        "BI export",
        ["view_candidates", "view_all_candidates", "view_company_dna"],
        now,
    )
    assert secret.startswith("pos_") and view.prefix == secret[:12]
    role_id = _one(world, Role, company)
    for headers in ({"X-API-Key": secret}, {"Authorization": f"Bearer {secret}"}):
        listed = client.get(f"{V1}/roles/{role_id}/candidates", headers=headers)
        assert listed.status_code == 200
        assert listed.json()["scores_visible"] is False  # view_scores was not granted
        assert client.get(f"{V1}/companies/{company}/dna", headers=headers).status_code == 200
        assert client.get(f"{V1}/companies/{company}/roles", headers=headers).status_code == 403
    (listed_view,) = [k for k in api_access.list_keys(world.uow(), admin) if k.id == view.id]
    assert listed_view.last_used_at is not None
    with world.uow() as uow:
        row = uow.session.get(ApiKey, view.id)
        assert row is not None and secret not in (row.key_hash, row.prefix)

    api_access.revoke_key(world.uow(), admin, view.id, now)
    refused = client.get(f"{V1}/companies/{company}/dna", headers={"X-API-Key": secret})
    assert refused.status_code == 401


@pytest.mark.parametrize(
    ("permissions", "problem"),
    [
        (["manage_users"], "acts as a person"),
        (["view_candidates"], "needs 'view_all_candidates'"),
        (["fly"], "Unknown permission"),
        ([], "at least one"),
    ],
)
def test_a_key_with_personal_unknown_or_no_permissions_is_refused(
    world: Database, companies: list[uuid.UUID], permissions: list[str], problem: str
) -> None:
    from core.services.errors import ValidationError

    admin = actor_of_role(world, companies[0], "admin")
    with pytest.raises(ValidationError, match=problem):
        api_access.create_key(world.uow(), admin, "k", permissions, datetime.now(UTC))


def test_only_admins_manage_keys(world: Database, companies: list[uuid.UUID]) -> None:
    from core.services.errors import PermissionDeniedError

    founder = actor_of_role(world, companies[0], "founder")
    with pytest.raises(PermissionDeniedError):
        api_access.create_key(world.uow(), founder, "k", ["view_overview"], datetime.now(UTC))
    with pytest.raises(PermissionDeniedError):
        api_access.list_keys(world.uow(), founder)


@pytest.mark.slow
def test_uvicorn_serves_the_api_as_make_run_api_starts_it(
    world: Database, companies: list[uuid.UUID], tmp_path_factory: pytest.TempPathFactory
) -> None:
    """The real server on a real port: the OpenAPI document and a login."""
    import os
    import socket
    import subprocess
    import sys
    import time
    from pathlib import Path

    import httpx

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log = tmp_path_factory.mktemp("uvicorn") / "api.log"
    command = [sys.executable, "-m", "uvicorn", "api.main:app", "--host", "127.0.0.1"]
    with log.open("w") as out:
        server = subprocess.Popen(
            [*command, "--port", str(port)],
            cwd=Path(__file__).resolve().parents[1],
            env={**os.environ, "PEOPLEOS_DATABASE_URL": world.url},
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}{V1}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                spec = httpx.get(f"{base}/openapi.json", timeout=2)
                break
            except httpx.HTTPError:
                assert server.poll() is None, log.read_text()
                assert time.monotonic() < deadline, "uvicorn did not start"
                time.sleep(0.3)
        assert spec.status_code == 200 and spec.json()["info"]["title"] == "PeopleOS API"
        username = _username(world, companies[0], "founder")
        pair = httpx.post(
            f"{base}/auth/token", json={"username": username, "password": DEMO_PASSWORD}
        ).json()
        dna = httpx.get(
            f"{base}/companies/{companies[0]}/dna",
            headers={"Authorization": f"Bearer {pair['access_token']}"},
        )
        assert dna.status_code == 200 and dna.json()["company_id"] == str(companies[0])
    finally:
        server.terminate()
        server.wait(timeout=20)
    assert DEMO_PASSWORD not in log.read_text()  # nothing personal in the server's log


def test_the_api_keys_cli_creates_lists_and_revokes(
    client: TestClient, world: Database, companies: list[uuid.UUID]
) -> None:
    from tests.helpers import run_cli

    company = companies[0]
    name = {v: k for k, v in company_ids_by_name(world).items()}[company]
    refused = run_cli(
        "api-keys",
        "create",
        "--company",
        name,
        "--name",
        "x",
        "--permission",
        "manage_users",
        url=world.url,
    )
    assert refused.returncode == 2 and "acts as a person" in refused.stderr
    made = run_cli(
        "api-keys",
        "create",
        "--company",
        name,
        "--name",
        "Warehouse sync",
        "--permission",
        "view_company_dna",
        url=world.url,
    )
    assert made.returncode == 0, made.stderr
    secret = made.stdout.split("Secret (shown once, keep it safe): ")[1].split()[0]
    key_id = made.stdout.split("Created API key ")[1].split()[0]
    url = f"{V1}/companies/{company}/dna"
    assert client.get(url, headers={"X-API-Key": secret}).status_code == 200
    listed = run_cli("api-keys", "list", "--company", name, url=world.url).stdout
    (line,) = [row for row in listed.splitlines() if row.startswith(key_id)]
    assert "live" in line and "last used never" not in line and secret not in listed
    assert run_cli("api-keys", "revoke", "--company", name, key_id, url=world.url).returncode == 0
    assert client.get(url, headers={"X-API-Key": secret}).status_code == 401
    listed = run_cli("api-keys", "list", "--company", name, url=world.url).stdout
    assert "revoked" in next(row for row in listed.splitlines() if row.startswith(key_id))


def test_a_stage_move_and_a_rescore_through_the_api(
    client: TestClient, world: Database, companies: list[uuid.UUID]
) -> None:
    own, other = companies
    talent = _headers(client, _username(world, own, "talent_lead"))
    with world.uow() as uow:
        candidate_id = uow.session.scalars(
            select(Candidate.id).where(Candidate.company_id == own, Candidate.status == "applied")
        ).first()
    url = f"{V1}/candidates/{candidate_id}"
    bad = client.put(url, json={"status": "hired", "reason": "x"}, headers=talent)
    assert bad.status_code == 422  # a hire carries details: made in the app
    empty = client.put(url, json={"status": "screening", "reason": ""}, headers=talent)
    assert empty.status_code == 422 and empty.json()["error"]["details"]
    moved = client.put(url, json={"status": "screening", "reason": "Strong resume"}, headers=talent)
    assert moved.status_code == 200, moved.text
    assert moved.json()["status"] == "screening"
    interviewer = _headers(client, _username(world, own, "interviewer"))
    onward = {"status": "interview", "reason": "Next round"}
    refused = client.put(url, json=onward, headers=interviewer)
    assert refused.status_code in (403, 404)
    foreign = _headers(client, _username(world, other, "talent_lead"))
    assert client.put(url, json=onward, headers=foreign).status_code == 404
    with world.uow() as uow:
        assert uow.session.get(Candidate, candidate_id).status == "screening"

    scored = client.post(f"{url}/score", headers=talent)
    assert scored.status_code == 200, scored.text
    assert 0 <= scored.json()["fit_score"] <= 100
    assert client.post(f"{url}/score", headers=interviewer).status_code in (403, 404)
    assert client.post(f"{url}/score", headers=foreign).status_code == 404


def test_me_names_the_user_or_the_key_and_what_it_may_do(
    client: TestClient, world: Database, companies: list[uuid.UUID]
) -> None:
    company = companies[0]
    username = _username(world, company, "interviewer")
    me = client.get(f"{V1}/me", headers=_headers(client, username)).json()
    assert me["username"] == username and me["role"] == "interviewer"
    assert me["company_id"] == str(company)
    assert me["permissions"] == [p for p in Permission if can("interviewer", p)]
    admin = actor_of_role(world, company, "admin")
    _, secret = api_access.create_key(
        world.uow(), admin, "Reader", ["view_overview"], datetime.now(UTC)
    )
    key = client.get(f"{V1}/me", headers={"X-API-Key": secret}).json()
    assert key["username"] == f"api-key:{secret[:12]}" and key["permissions"] == ["view_overview"]


@pytest.mark.slow  # MiniLM writes the role, the scan and the questions
def test_a_role_is_made_edited_published_and_written_again_through_the_api(
    client: TestClient, world: Database, companies: list[uuid.UUID]
) -> None:
    own, other = companies
    talent = _headers(client, _username(world, own, "talent_lead"))
    made = client.post(
        f"{V1}/companies/{own}/roles",
        json={"title": "Data Engineer", "department": "Engineering", "priority": "high"},
        headers=talent,
    )
    assert made.status_code == 201, made.text
    role = made.json()
    assert role["status"] == "draft" and role["jd_text"] and role["intelligence"]
    url = f"{V1}/roles/{role['id']}"
    assert (
        client.post(f"{V1}/companies/{own}/roles", json={"title": ""}, headers=talent).status_code
        == 422
    )
    foreign = _headers(client, _username(world, other, "talent_lead"))
    assert client.put(url, json={"title": "Mine now"}, headers=foreign).status_code == 404
    interviewer = _headers(client, _username(world, own, "interviewer"))
    assert (
        client.post(
            f"{V1}/companies/{own}/roles", json={"title": "X"}, headers=interviewer
        ).status_code
        == 403
    )

    edited = client.put(
        url, json={"title": "Senior Data Engineer", "status": "active"}, headers=talent
    )
    assert edited.status_code == 200, edited.text
    assert edited.json()["title"] == "Senior Data Engineer" and edited.json()["status"] == "active"
    bad = client.put(url, json={"status": "vanished"}, headers=talent)
    assert bad.status_code == 422
    again = client.post(f"{url}/generate-jd", headers=talent)
    assert again.status_code == 200 and again.json()["jd_generated_at"]
    # Each write: refused for a role without the permission, unknown to another company.
    writes = (
        ("post", f"{V1}/companies/{{company}}/roles", {"title": "X"}),
        ("put", url, {"title": "Theirs"}),
        ("post", f"{url}/generate-jd", None),
    )
    for method, target, body in writes:
        mine = target.format(company=own)
        assert client.request(method, mine, json=body, headers=interviewer).status_code == 403
        assert client.request(method, mine, json=body, headers=foreign).status_code == 404


@pytest.mark.slow  # MiniLM writes the role, the scan and the questions
def test_a_dna_scan_through_the_api_as_the_matrix_says(
    client: TestClient, world: Database, companies: list[uuid.UUID]
) -> None:
    own, other = companies
    founder = _headers(client, _username(world, own, "founder"))
    scanned = client.post(f"{V1}/companies/{own}/dna/scan", headers=founder)
    assert scanned.status_code == 200, scanned.text
    assert scanned.json()["profile"]
    assert client.post(f"{V1}/companies/{other}/dna/scan", headers=founder).status_code == 404
    talent = _headers(client, _username(world, own, "talent_lead"))
    expected = 200 if can("talent_lead", Permission.RUN_COMPANY_SYNC) else 403
    assert client.post(f"{V1}/companies/{own}/dna/scan", headers=talent).status_code == expected


def test_a_password_reset_or_a_disabled_account_ends_the_users_api_logins(
    client: TestClient, world: Database, companies: list[uuid.UUID]
) -> None:
    from core.services import auth, users

    company = companies[1]
    admin = actor_of_role(world, company, "admin")
    # A user of its own: the module's other tests log the demo users in.
    target = users.create_user(
        world.uow(),
        admin,
        username="api.reset.test",
        email="api.reset@example.com",
        full_name="Rae Set",
        role="founder",
        password="first-long-password-7",
    )
    answer = client.post(
        f"{V1}/auth/token",
        json={"username": target.username, "password": "first-long-password-7"},
    )
    pair = answer.json()
    bearer = {"Authorization": f"Bearer {pair['access_token']}"}
    assert client.get(f"{V1}/me", headers=bearer).status_code == 200
    now = datetime.now(UTC)
    users.reset_password(world.uow(), admin, target.id, "a-brand-new-pass-42", now)
    assert client.get(f"{V1}/me", headers=bearer).status_code == 401
    refreshed = client.post(f"{V1}/auth/refresh", json={"refresh_token": pair["refresh_token"]})
    assert refreshed.status_code == 401
    # Ended logins are forgotten with the app's sessions, 30 days on.
    assert auth.purge_sessions(world.uow(), now + timedelta(days=31)) >= 1
    with world.uow() as uow:
        assert not uow.session.scalars(
            select(ApiRefreshToken).where(ApiRefreshToken.user_id == target.id)
        ).all()


@pytest.mark.slow  # MiniLM writes the role, the scan and the questions
def test_an_interview_is_scheduled_moved_given_questions_and_cancelled_through_the_api(
    client: TestClient, world: Database, companies: list[uuid.UUID]
) -> None:
    own, other = companies
    talent = _headers(client, _username(world, own, "talent_lead"))
    interviewer = actor_of_role(world, own, "interviewer")
    with world.uow() as uow:
        candidate_id = uow.session.scalars(
            select(Candidate.id).where(
                Candidate.company_id == own, Candidate.status.in_(("screening", "interview"))
            )
        ).first()
    body = {
        "interview_type": "technical",
        "day": "2027-01-12",
        "at": "10:30:00",
        "timezone": "Europe/Berlin",
        "duration_minutes": 60,
        "interviewer_ids": [str(interviewer.user_id)],
    }
    made = client.post(f"{V1}/candidates/{candidate_id}/interviews", json=body, headers=talent)
    assert made.status_code == 201, made.text
    interview = made.json()
    assert interview["starts_at"].startswith("2027-01-12T09:30")  # 10:30 in Berlin, in UTC
    assert [p["user_id"] for p in interview["panel"]] == [str(interviewer.user_id)]
    url = f"{V1}/interviews/{interview['id']}"
    panel = _headers(client, interviewer.username)
    assert client.get(url, headers=panel).json()["id"] == interview["id"]  # on the panel
    foreign = _headers(client, _username(world, other, "talent_lead"))
    assert client.get(url, headers=foreign).status_code == 404
    assert (
        client.post(
            f"{V1}/candidates/{candidate_id}/interviews", json=body, headers=panel
        ).status_code
        == 403
    )

    both = {"cancel": True, "schedule": {"day": "2027-01-13", "at": "09:00:00"}}
    assert client.put(url, json=both, headers=talent).status_code == 422
    moved = client.put(
        url, json={"schedule": {"day": "2027-01-13", "at": "09:00:00"}}, headers=talent
    )
    assert moved.status_code == 200 and moved.json()["starts_at"].startswith("2027-01-13T09:00")
    asked = client.post(f"{url}/questions", headers=talent)
    assert asked.status_code == 200, asked.text
    assert asked.json() and all(q["text"] and q["reason"] for q in asked.json())
    for method, target, payload in (
        ("put", url, {"cancel": True}),
        ("post", f"{url}/questions", None),
        ("post", f"{V1}/candidates/{candidate_id}/interviews", body),
    ):
        assert client.request(method, target, json=payload, headers=panel).status_code == 403
        assert client.request(method, target, json=payload, headers=foreign).status_code == 404
    cancelled = client.put(url, json={"cancel": True}, headers=talent)
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    listed = client.get(f"{V1}/candidates/{candidate_id}/interviews", headers=talent).json()
    assert interview["id"] in {i["id"] for i in listed}


def test_a_manager_answers_an_onboarding_checkpoint_through_the_api(
    client: TestClient, world: Database, companies: list[uuid.UUID]
) -> None:
    from core.services import onboarding

    own, other = companies
    founder = _headers(client, _username(world, own, "founder"))
    with world.uow() as uow:
        hire_ids = uow.session.scalars(select(Hire.id).where(Hire.company_id == own)).all()
    # A plan with a checkpoint the manager has not answered yet.
    for hire_id in hire_ids:
        plan = client.get(f"{V1}/hires/{hire_id}/onboarding", headers=founder)
        if plan.status_code != 200:
            continue
        open_days = [
            c["day"]
            for c in plan.json()["checkpoints"]
            if c["completed_at"] is None and "manager" not in c["answered_by"]
        ]
        if open_days:
            break
    else:
        pytest.fail("no plan with an open checkpoint in the world")
    plan_id, day = plan.json()["id"], open_days[0]
    assert [c["day"] for c in plan.json()["checkpoints"]] == [7, 30, 60, 90]
    url = f"{V1}/onboarding/{plan_id}/checkpoint"
    answers = dict.fromkeys(onboarding.QUESTIONS["manager"], 4)
    wrong = client.post(url, json={"day": day, "answers": {"mood": 5}}, headers=founder)
    assert wrong.status_code == 422
    assert client.post(url, json={"day": 8, "answers": answers}, headers=founder).status_code == 422
    foreign = _headers(client, _username(world, other, "founder"))
    refused = client.post(url, json={"day": day, "answers": answers}, headers=foreign)
    assert refused.status_code == 404
    interviewer = _headers(client, _username(world, own, "interviewer"))
    forbidden = client.post(url, json={"day": day, "answers": answers}, headers=interviewer)
    assert forbidden.status_code == 403
    done = client.post(
        url, json={"day": day, "answers": answers, "comment": "Good start"}, headers=founder
    )
    assert done.status_code == 200, done.text
    answered = next(c for c in done.json()["checkpoints"] if c["day"] == day)
    assert "manager" in answered["answered_by"]
    status = client.get(f"{V1}/onboarding/{plan_id}/status", headers=founder).json()
    assert status["id"] == plan_id and status["checkpoints"] == done.json()["checkpoints"]


def test_predictions_page_through_with_model_versions_and_matched_outcomes(
    client: TestClient, world: Database, companies: list[uuid.UUID]
) -> None:
    from core.models import Outcome, Prediction

    own = companies[0]
    founder = _headers(client, _username(world, own, "founder"))
    with world.uow() as uow:
        stored = uow.session.scalars(
            select(Prediction.id).where(Prediction.company_id == own)
        ).all()
        matched = {
            o.prediction_id: o.actual_value
            for o in uow.session.scalars(select(Outcome).where(Outcome.company_id == own))
        }
    assert len(stored) > 5 and matched
    items: list[dict] = []
    cursor = None
    while True:
        query = "limit=5" + (f"&cursor={cursor}" if cursor else "")
        page = client.get(f"{V1}/companies/{own}/predictions?{query}", headers=founder)
        assert page.status_code == 200, page.text
        items += page.json()["items"]
        cursor = page.json()["next_cursor"]
        if cursor is None:
            break
    assert sorted(i["id"] for i in items) == sorted(str(i) for i in stored)
    made = [i["made_at"] for i in items]
    assert made == sorted(made, reverse=True)
    assert all(i["model_version"] for i in items)
    for item in items:
        expected = matched.get(uuid.UUID(item["id"]))
        assert item["actual_value"] == expected
    kinds = {i["prediction_type"] for i in items}
    one = sorted(kinds, key=str)[0]
    only = client.get(
        f"{V1}/companies/{own}/predictions?prediction_type={one}&limit=200", headers=founder
    ).json()["items"]
    assert only and {i["prediction_type"] for i in only} == {one}
    bad = client.get(f"{V1}/companies/{own}/predictions?cursor=nonsense", headers=founder)
    assert bad.status_code == 422


@pytest.mark.parametrize("role", ROLES)
def test_a_what_if_through_the_api_as_the_matrix_says(
    client: TestClient, world: Database, companies: list[uuid.UUID], role: str
) -> None:
    own, other = companies
    headers = _headers(client, _username(world, own, role))
    for template, permission, body in READ_POSTS:
        answer = client.post(V1 + template.format(**_ids(world, own)), json=body, headers=headers)
        expected = 200 if can(role, permission) else 403
        assert answer.status_code == expected, (role, answer.text)
        foreign = client.post(
            V1 + template.format(**_ids(world, other)), json=body, headers=headers
        )
        assert foreign.status_code in ((404,) if can(role, permission) else (403, 404))


def test_a_what_if_changes_the_score_and_stores_nothing(
    client: TestClient, world: Database, companies: list[uuid.UUID]
) -> None:
    from core.models import Prediction

    own = companies[0]
    talent = _headers(client, _username(world, own, "talent_lead"))
    with world.uow() as uow:
        candidate_id = uow.session.scalars(
            select(Candidate.id).where(
                Candidate.company_id == own, Candidate.fit_score.is_not(None)
            )
        ).first()
        before = len(uow.session.scalars(select(Prediction.id)).all())
    url = f"{V1}/candidates/{candidate_id}/predict"
    same = client.post(url, json={"changes": {}}, headers=talent).json()
    better = client.post(url, json={"changes": {"skills_fit": 100}}, headers=talent).json()
    worse = client.post(url, json={"changes": {"skills_fit": 0}}, headers=talent).json()
    assert worse["fit_score"] <= same["fit_score"] <= better["fit_score"]
    assert worse["fit_score"] < better["fit_score"]
    assert better["features"]["skills_fit"] == 100
    unknown = client.post(url, json={"changes": {"salary": 1}}, headers=talent)
    assert unknown.status_code == 422 and "Unknown feature" in unknown.json()["error"]["message"]
    huge = client.post(url, json={"changes": {"skills_fit": 1e9}}, headers=talent)
    assert huge.status_code == 422
    with world.uow() as uow:
        assert len(uow.session.scalars(select(Prediction.id)).all()) == before


@pytest.mark.parametrize("role", ROLES)
def test_a_sourced_candidate_is_added_to_a_role_as_the_matrix_says(
    client: TestClient, world: Database, companies: list[uuid.UUID], role: str
) -> None:
    own, other = companies
    headers = _headers(client, _username(world, own, role))
    with world.uow() as uow:
        role_id = uow.session.scalars(
            select(Role.id).where(Role.company_id == own, Role.status == "active")
        ).first()
    email = f"sourced.{role}@example.com"
    body = {"full_name": "Sourced Person", "email": email, "source": "referral"}
    answer = client.post(f"{V1}/roles/{role_id}/candidates", json=body, headers=headers)
    if not can(role, Permission.IMPORT_CANDIDATES):
        assert answer.status_code == 403, answer.text
        return
    assert answer.status_code == 201, answer.text
    made = answer.json()
    assert (made["email"], made["status"], made["source"]) == (email, "applied", "referral")
    again = client.post(f"{V1}/roles/{role_id}/candidates", json=body, headers=headers)
    assert again.status_code == 422
    assert "already a candidate for this role" in again.json()["error"]["message"]
    bad = client.post(
        f"{V1}/roles/{role_id}/candidates",
        json={**body, "email": "not-an-email"},
        headers=headers,
    )
    assert bad.status_code == 422 and "Email" in bad.json()["error"]["message"]
    with world.uow() as uow:
        stored = uow.session.scalars(select(Candidate).where(Candidate.email == email)).all()
        assert [(c.company_id, c.role_id) for c in stored] == [(own, role_id)]
    foreign = _ids(world, other)["role"]
    unknown = client.post(f"{V1}/roles/{foreign}/candidates", json=body, headers=headers)
    assert unknown.status_code == 404


def test_onboarding_starts_a_plan_or_makes_one_for_a_hire_without(
    client: TestClient, world: Database, companies: list[uuid.UUID]
) -> None:
    own, other = companies
    lead = _headers(client, _username(world, own, "talent_lead"))
    with world.uow() as uow:
        plan = uow.session.scalars(
            select(OnboardingPlan)
            .where(OnboardingPlan.company_id == own)
            .order_by(OnboardingPlan.id)
        ).first()
        plan.status, plan.started_at = "pending", None  # as made at hire, not yet begun
        hire_id, plan_id = plan.hire_id, plan.id
        bare = uow.session.scalars(
            select(Hire.id).where(Hire.company_id == own, Hire.id != hire_id)
        ).first()
        # A hire from before plans were made: none.
        for plan in uow.session.scalars(
            select(OnboardingPlan).where(OnboardingPlan.hire_id == bare)
        ):
            uow.session.delete(plan)
        uow.commit()
    url = f"{V1}/hires/{hire_id}/onboarding/start"
    started = client.post(url, headers=lead)
    assert started.status_code == 200, started.text
    assert started.json()["id"] == str(plan_id) and started.json()["status"] == "in_progress"
    assert client.post(url, headers=lead).json() == started.json()  # again: nothing changes
    made = client.post(f"{V1}/hires/{bare}/onboarding/start", headers=lead)
    assert made.status_code == 201, made.text
    assert made.json()["status"] == "in_progress"
    assert [c["day"] for c in made.json()["checkpoints"]] == [7, 30, 60, 90]
    assert (
        client.get(f"{V1}/hires/{bare}/onboarding", headers=lead).json()["id"] == made.json()["id"]
    )
    for role in ROLES:  # the permission matrix; to those it allows, another company's
        # hire is unknown (the other company's employee is locked out by an earlier test)
        allowed = can(role, Permission.MANAGE_ONBOARDING)
        mine = client.post(url, headers=_headers(client, _username(world, own, role)))
        assert mine.status_code == (200 if allowed else 403), (role, mine.text)
        if allowed:
            theirs = client.post(url, headers=_headers(client, _username(world, other, role)))
            assert theirs.status_code == 404, (role, theirs.text)


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("DELETE", "/roles/{role}", "GET, PUT"),
        ("PATCH", "/companies/{company}/roles", "GET, POST"),
        ("GET", "/graphql", "POST"),
    ],
)
def test_a_method_a_path_does_not_serve_names_every_method_it_does(
    client: TestClient,
    world: Database,
    companies: list[uuid.UUID],
    method: str,
    path: str,
    allow: str,
) -> None:
    answer = client.request(method, V1 + path.format(**_ids(world, companies[0])))
    assert answer.status_code == 405
    assert answer.json()["error"]["code"] == "method_not_allowed"
    assert answer.headers["Allow"] == allow


class _NoEncoding:
    """Stands in for MiniLM in the write matrix: no call there may get as far as encoding
    (a refused role stops at the permission, another company's id at the lookup)."""

    name = "never"

    def encode(self, texts: list[str]) -> None:
        raise AssertionError("a refused or foreign write reached the encoder")


_SLOT = {"day": "2027-02-02", "at": "10:00:00", "timezone": "UTC", "duration_minutes": 45}
# Each write route with the permission it needs and a body valid by the schema (the routes
# that also answer every role with their own data have tests of their own, above).
WRITES = (
    ("POST", "/companies/{company}/roles", Permission.MANAGE_ROLES, {"title": "Matrix Role"}),
    ("PUT", "/roles/{role}", Permission.MANAGE_ROLES, {"title": "Renamed"}),
    ("POST", "/roles/{role}/generate-jd", Permission.MANAGE_ROLES, None),
    ("POST", "/companies/{company}/dna/scan", Permission.RUN_COMPANY_SYNC, None),
    (
        "PUT",
        "/candidates/{candidate}",
        Permission.MOVE_CANDIDATES,
        {"status": "screening", "reason": "r"},
    ),
    ("POST", "/candidates/{candidate}/score", Permission.SCORE_CANDIDATES, None),
    (
        "POST",
        "/candidates/{candidate}/interviews",
        Permission.SCHEDULE_INTERVIEWS,
        {**_SLOT, "interview_type": "phone", "interviewer_ids": [str(uuid.uuid4())]},
    ),
    ("PUT", "/interviews/{interview}", Permission.SCHEDULE_INTERVIEWS, {"cancel": True}),
    ("POST", "/interviews/{interview}/questions", Permission.SCHEDULE_INTERVIEWS, None),
)


@pytest.mark.parametrize("role", ROLES)
def test_every_write_route_refuses_roles_without_its_permission_and_others_ids_404(
    client: TestClient, world: Database, companies: list[uuid.UUID], role: str
) -> None:
    from api import deps

    own, other = companies
    headers = _headers(client, _username(world, own, role))
    mine, theirs = _ids(world, own), _ids(world, other)
    overrides = client.app.dependency_overrides
    saved = dict(overrides)
    overrides[deps.encoder] = _NoEncoding
    overrides[deps.references] = lambda: None
    try:
        for method, template, permission, body in WRITES:
            if can(role, permission):
                # Allowed: another company's id is unknown (the allowed writes themselves
                # run in the tests above).
                answer = client.request(
                    method, V1 + template.format(**theirs), json=body, headers=headers
                )
                assert answer.status_code == 404, (role, template, answer.text)
                continue
            answer = client.request(
                method, V1 + template.format(**mine), json=body, headers=headers
            )
            assert answer.status_code == 403, (role, template, answer.text)
            assert answer.json()["error"]["code"] == "forbidden"
            # Another company's: refused or unknown, either way nothing is confirmed.
            answer = client.request(
                method, V1 + template.format(**theirs), json=body, headers=headers
            )
            assert answer.status_code in (403, 404), (role, template, answer.text)
    finally:
        overrides.clear()
        overrides.update(saved)


def test_the_reference_page_needs_nothing_from_the_internet(client: TestClient) -> None:
    page = client.get(f"{V1}/docs")
    assert page.status_code == 200 and "SwaggerUIBundle" in page.text
    assets = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert assets and not [a for a in assets if a.startswith(("http:", "https:", "//"))]
    for asset in assets:
        if asset.startswith("/"):
            served = client.get(asset)
            assert served.status_code == 200 and len(served.content) > 10_000, asset
    assert client.get(f"{V1}/openapi.json").json()["openapi"].startswith("3.1")
