"""Schemathesis over the API's OpenAPI document: generated requests to every route (valid
and invalid, bounded in examples) find no server error and no response that breaks the
document (status codes, headers, content types, bodies), and wrong credentials are refused."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from api.main import create_app
from core.db import Database
from core.services import api_access
from core.services.rate_limits import Limit
from tests.conftest import DEMO_PASSWORD

APP = create_app()
schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", APP)
# Bounded: a handful of examples per route keeps this under a minute on two cores.
EXAMPLES = 12


@pytest.fixture(scope="module")
def bearer(world: Database) -> Iterator[dict[str, str]]:
    """The app on the module's world, and a talent lead's access token."""
    from core.config import get_settings

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PEOPLEOS_DATABASE_URL", world.url)
        # Schemathesis sends many requests with wrong credentials (each must answer 401):
        # the per-address limit (tests/test_api.py) would turn the later ones into 429s.
        patch.setattr(
            api_access,
            "CLIENT_CREDENTIAL_LIMIT",
            Limit(count=1_000_000, window=timedelta(minutes=15), block=timedelta(minutes=15)),
        )
        get_settings.cache_clear()
        APP.state.database = world
        pair = api_access.log_in(
            world.uow(), "talent.quillpay", DEMO_PASSWORD, "schemathesis", datetime.now(UTC)
        )
        yield {"Authorization": f"Bearer {pair.access_token}"}
    get_settings.cache_clear()


@pytest.mark.slow
@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_server_error_and_every_answer_matches_the_document(
    case: schemathesis.Case, bearer: dict[str, str]
) -> None:
    # Every check but one: "a schema-valid request is accepted" cannot hold where the rule is
    # beyond what a document states (a cursor must be one this list issued; a rejection
    # needs a reason code), and those answer 422 as they should (tests/test_api.py).
    case.call_and_validate(headers=bearer, excluded_checks=[positive_data_acceptance])
