"""GraphQL (api/graphql.py): each role gets what the REST routes give it, other companies'
ids answer as unknown ones, the REST credentials and error shape, the depth and cost limits,
and the candidate feed's cursor pages."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from api.graphql.limits import MAX_COST, MAX_DEPTH, MAX_FIRST
from core.db import Database
from core.models import AuditLog, Candidate, Role, User
from core.permissions import ROLES, Permission, can
from core.services import api_access, candidates, company_dna, fit_insight
from core.services.auth import Actor
from tests.conftest import DEMO_PASSWORD
from tests.helpers import actor_of_role, company_ids_by_name

pytestmark = pytest.mark.db
V1 = "/api/v1"
URL = f"{V1}/graphql"
STATUS_CODES = {403: "forbidden", 404: "not_found"}


class HashEncoder:
    """Vectors from a hash of the text: a DNA scan to read back, without MiniLM."""

    name = "test-hash"

    def encode(self, texts: list[str]) -> np.ndarray:
        rows = [
            np.random.default_rng(int.from_bytes(hashlib.sha256(t.encode()).digest()[:8], "big"))
            for t in texts
        ]
        return np.vstack([r.standard_normal(384) for r in rows]).astype(np.float32)


@pytest.fixture(scope="module")
def client(world: Database) -> Iterator[TestClient]:
    from api.main import create_app
    from core.config import get_settings

    # The demo world has StartupOS data but no scan yet: the first company gets one, so
    # there is a DNA profile to compare (the second keeps none: null, as REST says).
    first = min(company_ids_by_name(world).items(), key=lambda kv: str(kv[1]))
    system = Actor.system(first[1], first[0])
    company_dna.scan_company(world.uow(), system, HashEncoder(), datetime.now(UTC))
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PEOPLEOS_DATABASE_URL", world.url)
        get_settings.cache_clear()
        with TestClient(create_app()) as test_client:
            yield test_client
    get_settings.cache_clear()


@pytest.fixture(scope="module")
def companies(world: Database) -> list[uuid.UUID]:
    """The world's two companies, the one whose users log in first."""
    return sorted(company_ids_by_name(world).values(), key=str)


def _username(world: Database, company_id: uuid.UUID, role: str) -> str:
    with world.uow() as uow:
        return uow.session.scalars(
            select(User.username).where(User.company_id == company_id, User.role == role)
        ).first()


_tokens: dict[str, str] = {}


def _headers(client: TestClient, username: str) -> dict[str, str]:
    """A bearer header of ``username`` (one login per user and module)."""
    if username not in _tokens:
        answer = client.post(
            f"{V1}/auth/token", json={"username": username, "password": DEMO_PASSWORD}
        )
        assert answer.status_code == 200, answer.text
        _tokens[username] = answer.json()["access_token"]
    return {"Authorization": f"Bearer {_tokens[username]}"}


def _query(
    client: TestClient, headers: dict[str, str], query: str, **variables: Any
) -> dict[str, Any]:
    answer = client.post(URL, json={"query": query, "variables": variables}, headers=headers)
    assert answer.status_code == 200, answer.text
    return answer.json()


def _errors(body: dict[str, Any]) -> dict[tuple, str]:
    """Each error's path and code."""
    return {tuple(e.get("path") or ()): e["extensions"]["code"] for e in body.get("errors", [])}


def _top_candidate(world: Database, company: uuid.UUID, role: str) -> uuid.UUID:
    """The company's best-scored candidate, or (for an interviewer) one they interview."""
    actor = actor_of_role(world, company, "interviewer" if role == "interviewer" else "admin")
    sort = "newest" if role == "interviewer" else "fit"
    return candidates.list_candidates(world.uow(), actor, sort=sort, limit=1).rows[0].id


def _role_with_most_candidates(world: Database, company: uuid.UUID) -> tuple[uuid.UUID, int]:
    with world.uow() as uow:
        return uow.session.execute(
            select(Candidate.role_id, func.count())
            .join(Role, Role.id == Candidate.role_id)
            .where(Role.company_id == company)
            .group_by(Candidate.role_id)
            .order_by(func.count().desc(), Candidate.role_id)
        ).first()


def _one(world: Database, model: type, company: uuid.UUID) -> uuid.UUID:
    with world.uow() as uow:
        return uow.session.scalars(
            select(model.id).where(model.company_id == company).order_by(model.id)
        ).first()


EVERYTHING = """
query ($company: ID!, $candidate: ID!) {
  me { role companyName permissions }
  company(id: $company) {
    id name stage
    dnaProfile {
      stage velocity teamGaps
      cultureDNA { key score evidence }
      hiringPriorities { title department priority }
    }
    roles { id title status activeCandidates }
  }
  candidate(id: $candidate) { id status fitScore successProbability genome }
}
"""


# --------------------------------------------------------------------------- the matrix


@pytest.mark.parametrize("role", ROLES)
def test_each_role_gets_from_graphql_exactly_what_rest_gives_it(
    client: TestClient, world: Database, companies: list[uuid.UUID], role: str
) -> None:
    company = companies[0]
    headers = _headers(client, _username(world, company, role))
    candidate = _top_candidate(world, company, role)
    body = _query(client, headers, EVERYTHING, company=str(company), candidate=str(candidate))
    data, errors = body["data"], _errors(body)

    me = client.get(f"{V1}/me", headers=headers).json()
    assert data["me"] == {k: me[k] for k in ("role", "permissions")} | {
        "companyName": me["company_name"]
    }
    assert data["company"]["id"] == str(company)
    assert data["company"]["name"] == me["company_name"]

    dna = client.get(f"{V1}/companies/{company}/dna", headers=headers)
    if dna.status_code == 200:
        profile = dna.json()["profile"]
        shown = data["company"]["dnaProfile"]
        assert shown is not None, body
        assert data["company"]["stage"] == shown["stage"] == profile["stage"]
        assert shown["velocity"] == profile["velocity"]["label"]
        assert shown["teamGaps"] == profile["team_gaps"]
        assert shown["cultureDNA"] == [
            {"key": d["key"], "score": d["score"], "evidence": d["evidence"]}
            for d in profile["culture"]
        ]
        assert shown["hiringPriorities"] == [
            {k: p[k] for k in ("title", "department", "priority")}
            for p in profile["hiring_priorities"]
        ]
    else:
        assert dna.status_code == 403 and not can(role, Permission.VIEW_COMPANY_DNA)
        assert data["company"]["stage"] is None and data["company"]["dnaProfile"] is None
        assert errors[("company", "stage")] == errors[("company", "dnaProfile")] == "forbidden"

    listed = client.get(f"{V1}/companies/{company}/roles", headers=headers)
    if listed.status_code == 200:
        assert data["company"]["roles"] == [
            {
                "id": r["id"],
                "title": r["title"],
                "status": r["status"],
                "activeCandidates": r["active_candidates"],
            }
            for r in listed.json()
        ]
        assert data["company"]["roles"]
    else:
        assert listed.status_code == 403
        assert data["company"]["roles"] is None and errors[("company", "roles")] == "forbidden"

    profile = client.get(f"{V1}/candidates/{candidate}", headers=headers)
    genome = client.get(f"{V1}/candidates/{candidate}/genome", headers=headers)
    shown = data["candidate"]
    if profile.status_code == 200:
        assert shown["id"] == str(candidate)
        assert shown["status"] == profile.json()["status"]
        assert shown["fitScore"] == profile.json()["fit_score"]
        if genome.status_code == 200:
            assert shown["genome"] == genome.json()["genome"] is not None
            assert shown["fitScore"] is not None
            insight = fit_insight.candidate_insight(
                world.uow(), actor_of_role(world, company, role), candidate
            )
            assert shown["successProbability"] == insight.success_probability is not None
        else:
            # Interviewers: no scores anywhere, the genome refused as REST refuses it.
            assert genome.status_code == 403 and role == "interviewer"
            assert shown["fitScore"] is None
            assert shown["genome"] is None and shown["successProbability"] is None
            assert errors[("candidate", "genome")] == "forbidden"
            assert errors[("candidate", "successProbability")] == "forbidden"
    else:
        assert shown is None
        assert errors[("candidate",)] == STATUS_CODES[profile.status_code]
    assert "errors" not in body or all(
        e["extensions"]["code"] != "server_error" for e in body["errors"]
    )


def test_an_interviewer_cannot_open_a_candidate_they_do_not_interview(
    client: TestClient, world: Database, companies: list[uuid.UUID]
) -> None:
    company = companies[0]
    interviewer = actor_of_role(world, company, "interviewer")
    theirs = {r.id for r in candidates.list_candidates(world.uow(), interviewer, limit=200).rows}
    with world.uow() as uow:
        other = uow.session.scalars(
            select(Candidate.id).where(Candidate.company_id == company, Candidate.id.not_in(theirs))
        ).first()
    headers = _headers(client, interviewer.username)
    query = "query ($id: ID!) { candidate(id: $id) { fullName } }"
    body = _query(client, headers, query, id=str(other))
    unknown = _query(client, headers, query, id=str(uuid.uuid4()))
    assert (
        body
        == unknown
        == {
            "data": {"candidate": None},
            "errors": [
                {
                    "message": "Candidate not found.",
                    "locations": [{"line": 1, "column": 20}],
                    "path": ["candidate"],
                    "extensions": {"code": "not_found"},
                }
            ],
        }
    )
    assert client.get(f"{V1}/candidates/{other}", headers=headers).status_code == 404


FOREIGN = """
query ($c1: ID!, $c2: ID!, $r1: ID!, $r2: ID!, $k1: ID!, $k2: ID!) {
  a: company(id: $c1) { name roles { title } }
  b: company(id: $c2) { name roles { title } }
  c: role(id: $r1) { title candidates { items { fullName } } }
  d: role(id: $r2) { title candidates { items { fullName } } }
  e: candidate(id: $k1) { fullName genome }
  f: candidate(id: $k2) { fullName genome }
}
"""


@pytest.mark.parametrize("role", ROLES)
def test_another_companys_ids_answer_exactly_as_unknown_ones(
    client: TestClient, world: Database, companies: list[uuid.UUID], role: str
) -> None:
    own, other = companies
    headers = _headers(client, _username(world, own, role))
    body = _query(
        client,
        headers,
        FOREIGN,
        c1=str(other),
        c2=str(uuid.uuid4()),
        r1=str(_one(world, Role, other)),
        r2=str(uuid.uuid4()),
        k1=str(_one(world, Candidate, other)),
        k2=str(uuid.uuid4()),
    )
    assert body["data"] == dict.fromkeys("abcdef")
    found = {e["path"][0]: (e["message"], e["extensions"]) for e in body["errors"]}
    assert len(found) == len(body["errors"]) == 6  # one refusal each, nothing beneath
    assert found["a"] == found["b"] == ("Company not found.", {"code": "not_found"})
    assert found["c"] == found["d"]
    assert found["e"] == found["f"]
    # The permission check comes first, as in REST: a role that may not read roles or
    # candidates is refused whatever the id; any other is told the id is unknown.
    for alias, permission in (("c", Permission.MANAGE_ROLES), ("e", Permission.VIEW_CANDIDATES)):
        code = "not_found" if can(role, permission) else "forbidden"
        assert found[alias][1] == {"code": code}, (role, alias)
    other_name = {v: k for k, v in company_ids_by_name(world).items()}[other]
    assert other_name not in str(body)


# --------------------------------------------------------------------------- credentials


def test_no_or_a_bad_credential_is_refused_with_the_rest_error_shape(
    client: TestClient, world: Database, companies: list[uuid.UUID]
) -> None:
    query = {"query": "{ me { username } }"}
    missing = client.post(URL, json=query)
    assert missing.status_code == 401
    assert missing.json() == client.get(f"{V1}/me").json()
    assert missing.json()["error"]["code"] == "unauthorized"
    assert missing.headers["www-authenticate"] == "Bearer"
    for bad in ("not-a-token", "pos_notakeyatall", "a.b.c"):
        answer = client.post(URL, json=query, headers={"Authorization": f"Bearer {bad}"})
        assert answer.status_code == 401, bad
        assert set(answer.json()) == {"error"} and answer.json()["error"]["code"] == "unauthorized"

    headers = _headers(client, _username(world, companies[0], "founder"))
    not_json = client.post(
        URL, content=b"{", headers=headers | {"content-type": "application/json"}
    )
    assert not_json.status_code == 400
    assert not_json.json()["error"]["code"] == "bad_request"
    get = client.get(URL, params=query, headers=headers)  # POST only: no GraphiQL
    assert get.status_code == 405 and get.json()["error"]["code"] == "method_not_allowed"
    assert URL not in client.get(f"{V1}/openapi.json").json()["paths"]


def test_an_api_key_answers_with_exactly_its_permissions_until_revoked(
    client: TestClient, world: Database, companies: list[uuid.UUID]
) -> None:
    company = companies[0]
    admin = actor_of_role(world, company, "admin")
    granted = ["view_candidates", "view_all_candidates", "manage_roles"]
    view, secret = api_access.create_key(world.uow(), admin, "GraphQL", granted, datetime.now(UTC))
    role_id, _ = _role_with_most_candidates(world, company)
    query = """
    query ($company: ID!, $role: ID!) {
      me { username permissions }
      company(id: $company) { dnaProfile { stage } roles { id } }
      role(id: $role) {
        title
        candidates(first: 5) { scoresVisible items { id fitScore successProbability } }
      }
    }
    """
    variables = {"company": str(company), "role": str(role_id)}
    for headers in ({"X-API-Key": secret}, {"Authorization": f"Bearer {secret}"}):
        body = _query(client, headers, query, **variables)
        data = body["data"]
        assert data["me"] == {"username": f"api-key:{view.prefix}", "permissions": granted}
        assert data["company"]["dnaProfile"] is None  # view_company_dna was not granted
        assert _errors(body) == {("company", "dnaProfile"): "forbidden"}
        assert data["company"]["roles"]
        page = data["role"]["candidates"]
        assert page["scoresVisible"] is False and len(page["items"]) == 5
        assert all(i["fitScore"] is None is i["successProbability"] for i in page["items"])
        rest = client.get(f"{V1}/roles/{role_id}/candidates?limit=5", headers=headers).json()
        assert [i["id"] for i in page["items"]] == [i["id"] for i in rest["items"]]

        candidate = page["items"][0]["id"]
        scored = _query(
            client, headers, "query ($id: ID!) { candidate(id: $id) { genome } }", id=candidate
        )
        assert scored["data"] == {"candidate": {"genome": None}}
        assert _errors(scored) == {("candidate", "genome"): "forbidden"}

    api_access.revoke_key(world.uow(), admin, view.id, datetime.now(UTC))
    refused = client.post(URL, json={"query": "{ me { username } }"}, headers={"X-API-Key": secret})
    assert refused.status_code == 401 and refused.json()["error"]["code"] == "unauthorized"


# --------------------------------------------------------------------------- limits


def _viewed(world: Database) -> int:
    with world.uow() as uow:
        return uow.session.scalar(select(func.count()).where(AuditLog.action == "candidate.viewed"))


def test_a_too_deep_query_is_refused_and_resolves_nothing(
    client: TestClient, world: Database, companies: list[uuid.UUID]
) -> None:
    company = companies[0]
    headers = _headers(client, _username(world, company, "admin"))
    candidate = str(_one(world, Candidate, company))
    within = """query ($id: ID!, $c: ID!) {
      candidate(id: $c) { id }
      company(id: $id) { roles { candidates(first: 1) { items { genome } } } }
    }"""
    fine = _query(client, headers, within, id=str(company), c=candidate)
    assert "errors" not in fine and fine["data"]["company"]["roles"]

    before = _viewed(world)
    deep = """query Deep($id: ID!, $c: ID!) {
      candidate(id: $c) { id }
      company(id: $id) { roles { company { roles { company { name } } } } }
    }"""
    body = _query(client, headers, deep, id=str(company), c=candidate)
    assert body["data"] is None
    assert [e["message"] for e in body["errors"]] == [
        f"'Deep' exceeds maximum operation depth of {MAX_DEPTH}"
    ]
    assert body["errors"][0]["extensions"] == {"code": "invalid"}
    assert _viewed(world) == before  # candidate(id) did not run: its view is not audited


def test_a_negative_page_size_pays_for_nothing(
    client: TestClient, world: Database, companies: list[uuid.UUID]
) -> None:
    company = companies[0]
    headers = _headers(client, _username(world, company, "admin"))
    # b alone costs 6,041; a sibling asking for -2**31 candidates must not pay for it.
    query = """query ($id: ID!) {
      a: company(id: $id) { roles { candidates(first: -2147483648) { items { id } } } }
      b: company(id: $id) { roles { candidates(first: 100) { items { id fitScore genome } } } }
    }"""
    before = _viewed(world)
    body = _query(client, headers, query, id=str(company))
    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "too_costly"
    assert _viewed(world) == before


def test_a_too_costly_query_is_refused_with_its_cost_and_resolves_nothing(
    client: TestClient, world: Database, companies: list[uuid.UUID]
) -> None:
    company = companies[0]
    headers = _headers(client, _username(world, company, "admin"))
    candidate = str(_one(world, Candidate, company))
    query = """query ($id: ID!, $c: ID!) {
      candidate(id: $c) { id }
      company(id: $id) { roles { candidates(first: %d) { items { id fitScore genome } } } }
    }"""
    before = _viewed(world)
    body = _query(client, headers, query % MAX_FIRST, id=str(company), c=candidate)
    # candidate 2 + company 1 + roles (1 + 20 x (candidates 1 + items (1 + 100 x 3))) = 6,044
    assert body["data"] is None
    (error,) = body["errors"]
    assert error["message"].startswith("The query costs 6,044, more than the limit of 5,000")
    assert error["extensions"] == {"code": "too_costly", "cost": 6044, "limit": MAX_COST}
    assert _viewed(world) == before
    # A variable's page size is not known before running: it is counted as the largest.
    by_variable = _query(
        client,
        headers,
        query.replace("%d", "$n").replace("$c: ID!", "$c: ID!, $n: Int!"),
        id=str(company),
        c=candidate,
        n=1,
    )
    assert by_variable["data"] is None and "6,044" in by_variable["errors"][0]["message"]
    assert _viewed(world) == before

    cheaper = _query(client, headers, query % 10, id=str(company), c=candidate)
    assert "errors" not in cheaper and cheaper["data"]["candidate"] == {"id": candidate}
    assert _viewed(world) == before + 1


def test_too_many_aliases_are_refused(
    client: TestClient, world: Database, companies: list[uuid.UUID]
) -> None:
    headers = _headers(client, _username(world, companies[0], "admin"))
    query = "{ " + " ".join(f"m{i}: me {{ role }}" for i in range(16)) + " }"
    body = _query(client, headers, query)
    assert body["data"] is None
    assert body["errors"][0]["message"] == "16 aliases found. Allowed: 15"


# --------------------------------------------------------------------------- pages


def test_candidate_pages_cover_the_role_once_as_the_rest_feed_does(
    client: TestClient, world: Database, companies: list[uuid.UUID]
) -> None:
    company = companies[0]
    headers = _headers(client, _username(world, company, "talent_lead"))
    role_id, count = _role_with_most_candidates(world, company)
    assert count > 7
    query = """query ($role: ID!, $after: String, $sort: CandidateSort!) {
      role(id: $role) {
        candidates(first: 7, after: $after, sort: $sort) { nextCursor items { id fitScore } }
      }
    }"""
    for sort in ("NEWEST", "FIT"):
        items: list[dict] = []
        after = None
        while True:
            body = _query(client, headers, query, role=str(role_id), after=after, sort=sort)
            assert "errors" not in body, body
            page = body["data"]["role"]["candidates"]
            assert len(page["items"]) <= 7
            items += page["items"]
            after = page["nextCursor"]
            if after is None:
                break
        rest = client.get(
            f"{V1}/roles/{role_id}/candidates?limit=200&sort={sort.lower()}", headers=headers
        ).json()
        assert len(items) == count == len({i["id"] for i in items})
        assert items == [{"id": i["id"], "fitScore": i["fit_score"]} for i in rest["items"]]

    refused = {
        "first: 0": "first must be between 1 and 100.",
        f"first: {MAX_FIRST + 1}": "first must be between 1 and 100.",
        'after: "garbage"': None,
    }
    for argument, message in refused.items():
        page = f"candidates({argument}) {{ nextCursor }}"
        body = _query(
            client, headers, f"query ($r: ID!) {{ role(id: $r) {{ {page} }} }}", r=str(role_id)
        )
        assert body["data"] == {"role": {"candidates": None}}, argument
        assert _errors(body) == {("role", "candidates"): "invalid"}
        if message:
            assert body["errors"][0]["message"] == message


def test_a_failing_resolver_is_a_masked_server_error_beside_the_fields_that_worked(
    client: TestClient, world: Database, companies: list[uuid.UUID], monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_: object, **__: object) -> None:
        raise RuntimeError("no such table: company_dna_secret")

    monkeypatch.setattr(company_dna, "get_company_dna", broken)
    company = companies[0]
    headers = _headers(client, _username(world, company, "admin"))
    query = "query ($id: ID!) { company(id: $id) { name dnaProfile { stage } } }"
    body = _query(client, headers, query, id=str(company))
    assert body["data"]["company"]["dnaProfile"] is None and body["data"]["company"]["name"]
    (error,) = body["errors"]
    assert error["message"] == "Something went wrong on our side; nothing was changed."
    assert error["extensions"] == {"code": "server_error"} and "secret" not in str(body)
