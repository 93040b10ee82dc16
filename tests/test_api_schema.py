"""Schemathesis over the API's OpenAPI document: generated requests to every route (valid
and invalid, bounded in examples) find no server error and no response that breaks the
document (status codes, content types, bodies)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from api.main import create_app
from core.db import Database
from core.services import api_access
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
    case.call_and_validate(headers=bearer)
