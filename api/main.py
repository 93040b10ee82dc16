"""The REST API: ``uvicorn api.main:app`` (``make run-api``), every route under /api/v1.

A second adapter over the core services, beside the Streamlit pages: routes read the
request, call one service with the acting user, and shape its answer. No business rule
lives here; the permission matrix, company isolation and lockout are the services'.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI
from fastapi_offline import FastAPIOffline

from api import errors, graphql, schemas
from api.routes import auth, candidates, companies, interviews, onboarding, roles
from core.config import get_settings
from core.db import Database

PREFIX = "/api/v1"


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    app.state.database = Database(get_settings().database_url)
    try:
        yield
    finally:
        app.state.database.dispose()


def create_app() -> FastAPI:
    # FastAPI's reference page loads Swagger UI from a CDN, so it stays blank without the
    # internet; this one serves the same page with the files from the installed package.
    app = FastAPIOffline(
        title="PeopleOS API",
        version="1",
        summary="Company DNA, roles, candidates, interviews and onboarding of PeopleOS.",
        openapi_url=f"{PREFIX}/openapi.json",
        docs_url=f"{PREFIX}/docs",
        redoc_url=None,
        static_url=f"{PREFIX}/docs/static",
        swagger_ui_oauth2_redirect_url=f"{PREFIX}/docs/oauth2-redirect",
        favicon_url="data:,",  # no icon: nothing is fetched for it
        lifespan=_lifespan,
    )
    errors.install(app)
    v1 = APIRouter(prefix=PREFIX, responses=schemas.ERRORS)
    v1.include_router(auth.me_router)
    for module in (auth, companies, roles, candidates, interviews, onboarding):
        v1.include_router(module.router)
    v1.include_router(graphql.router)  # POST /api/v1/graphql, not in the OpenAPI document
    app.include_router(v1)
    return app


app = create_app()
