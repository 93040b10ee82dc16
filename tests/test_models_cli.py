"""`python -m core.cli models list --company C [--json]`: the company's model registry, the
same versions, statuses and accuracy from outcomes as the Models page's service calls."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

import pytest

from core.db import Database
from core.models import ModelVersion
from core.services import auth, model_accuracy, model_registry
from tests.helpers import company_ids_by_name
from tests.helpers import run_cli as _cli

pytestmark = pytest.mark.db
NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def _own_model(db: Database, company_id: uuid.UUID, version: str, status: str) -> None:
    """A company's own registry row (no artifact: listing never loads one)."""
    with db.uow() as uow:
        uow.session.add(
            ModelVersion(
                company_id=company_id,
                name=model_registry.FIT_MODEL,
                version=version,
                status=status,
                metrics={"auc": 0.81, "prior_auc": 0.79, "n_train": 225, "n_test": 75},
                feature_names=["skills_match"],
                trained_at=NOW,
                created_at=NOW,
            )
        )
        uow.commit()


@pytest.fixture(scope="module")
def companies(world: Database) -> tuple[tuple[str, uuid.UUID], tuple[str, uuid.UUID]]:
    """The world's two companies, each with one own model the other must never see."""
    (a_name, a_id), (b_name, b_id) = sorted(company_ids_by_name(world).items())
    _own_model(world, a_id, "own-a-test", "champion")
    _own_model(world, b_id, "own-b-test", "challenger")
    return (a_name, a_id), (b_name, b_id)


def test_models_list_json_is_the_models_page_registry(world: Database, companies) -> None:
    (a_name, a_id), _ = companies
    result = _cli("models", "list", "--company", a_name, "--json", url=world.url)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)  # strict JSON: NaN would not parse as data we keep

    actor = auth.system_actor(world.uow(), company=a_name)
    overview = model_registry.list_models(world.uow(), actor)
    measured = model_accuracy.accuracy_from_outcomes(world.uow(), actor)
    assert report["company"] == a_name
    assert [(v["name"], v["version"], v["status"], v["scope"]) for v in report["versions"]] == [
        (v.name, v.version, v.status, v.scope) for v in overview.versions
    ]
    assert report["labelled_outcomes"] == overview.labelled_outcomes
    own = next(v for v in report["versions"] if v["version"] == "own-a-test")
    assert (own["kind"], own["status"], own["scope"]) == ("fit", "champion", "company")
    assert own["held_out_metrics"]["auc"] == 0.81 and own["n_train"] == 225
    assert own["features"] == ["skills_match"] and own["trained_at"].startswith("2026-11-20")
    prior = next(v for v in report["versions"] if v["scope"] == "prior")
    assert prior["trained_on"] and prior["held_out_metrics"]["bayes_auc"] > 0.5
    assert {v["kind"] for v in report["versions"]} >= {"fit", "success"}
    # The success model's held-out AUC is its own, not the fit ensemble's it shares metrics with.
    success = next(v for v in report["versions"] if v["kind"] == "success")
    assert success["held_out_auc"] == success["held_out_metrics"]["success"]["auc"]
    assert prior["held_out_auc"] == prior["held_out_metrics"]["auc"]
    # Accuracy from outcomes: the same versions and counts as the page's service.
    assert measured, "the demo world records outcomes against predictions"
    assert [
        (a["model_version"], a["kind"], a["n"], a["n_binary"])
        for a in report["accuracy_from_outcomes"]
    ] == [(m.model_version, m.kind, m.accuracy.n, m.accuracy.n_binary) for m in measured]
    first = report["accuracy_from_outcomes"][0]
    assert first["mae"]["n"] == measured[0].accuracy.mae.n
    scored = f"{prior['name']}:{prior['version']}"
    if any(m.model_version == scored for m in measured):
        assert prior["accuracy_from_outcomes"][0]["model_version"] == scored


def test_models_list_never_shows_another_company_s_own_model(world: Database, companies) -> None:
    (a_name, _), (b_name, _) = companies
    for name, mine, theirs in (
        (a_name, "own-a-test", "own-b-test"),
        (b_name, "own-b-test", "own-a-test"),
    ):
        listed = json.loads(
            _cli("models", "list", "--company", name, "--json", url=world.url).stdout
        )
        versions = {v["version"] for v in listed["versions"]}
        assert mine in versions and theirs not in versions
        table = _cli("models", "list", "--company", name, url=world.url)
        assert table.returncode == 0, table.stderr
        assert mine in table.stdout and theirs not in table.stdout


def test_models_list_without_json_prints_a_readable_table(world: Database, companies) -> None:
    (a_name, _), _ = companies
    result = _cli("models", "list", "--company", a_name, url=world.url)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"Model registry of {a_name}:")
    assert lines[1].split()[:4] == ["name", "version", "status", "scope"]
    row = next(line for line in lines if "own-a-test" in line)
    assert row.split()[:4] == ["fit_ensemble", "own-a-test", "champion", "company"]
    assert "0.810" in row
    assert "Accuracy from recorded outcomes" in result.stdout


def test_models_list_of_an_unknown_company_says_so(world: Database) -> None:
    result = _cli("models", "list", "--company", "No Such Startup", "--json", url=world.url)
    assert result.returncode == 2
    assert result.stdout == ""
    assert "No company 'No Such Startup'" in result.stderr
