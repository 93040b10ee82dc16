"""Browser smoke test: the real app in headless Debian chromium driven by Playwright."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from core.db import Database
from tests.helpers import company_ids_by_name, expected_overview

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
ROOT = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def chromium_path() -> str:
    if not Path(CHROMIUM).exists():
        message = f"{CHROMIUM} is missing: apt-get install chromium (.ci/run does)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return CHROMIUM


@contextmanager
def _serve(command: list[str], database_url: str, log: Path) -> Iterator[str]:
    """Run a Streamlit server command on a free port until the block ends; yields its URL."""
    port = _free_port()
    env = {**os.environ, "PEOPLEOS_DATABASE_URL": database_url}
    args = [
        *command,
        "--server.port",
        str(port),
        "--server.address",
        "127.0.0.1",
        "--server.headless",
        "true",
    ]
    with log.open("w") as out:
        proc = subprocess.Popen(args, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{url}/_stcore/health", timeout=2).text == "ok":
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"streamlit did not start:\n{log.read_text()}")
            time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture(scope="module")
def app_url(seeded_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`python app.py` (what `make run` starts) against the seeded database."""
    log = tmp_path_factory.mktemp("streamlit") / "app.log"
    with _serve([sys.executable, "app.py"], seeded_url, log) as url:
        yield url


def _wait_for_streamlit(page) -> None:  # noqa: ANN001 - playwright Page
    # Streamlit's own state, as in its e2e tests: connected, script idle, no skeletons.
    page.wait_for_selector('[data-testid="stApp"][data-test-connection-state="CONNECTED"]')
    page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]')
    page.wait_for_function('document.querySelectorAll("[data-testid=stSkeleton]").length === 0')


def test_overview_renders_in_chromium(
    chromium_path: str, app_url: str, seeded_db: Database, tmp_path: Path
) -> None:
    from playwright.sync_api import expect, sync_playwright

    first_company = sorted(company_ids_by_name(seeded_db).items())[0]
    expected = expected_overview(seeded_db, first_company[1])
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(app_url, timeout=60_000)
            _wait_for_streamlit(page)
            page.get_by_role("heading", name="Overview").wait_for(timeout=30_000)
            metrics = page.locator('[data-testid="stMetric"]')
            expect(metrics).to_have_count(4, timeout=30_000)
            open_roles = metrics.filter(has_text="Open roles")
            expect(open_roles.locator('[data-testid="stMetricValue"]')).to_have_text(
                str(expected["Open roles"])
            )
            expect(page.locator(".js-plotly-plot")).to_have_count(1, timeout=30_000)
            _wait_for_streamlit(page)
            page.screenshot(path=str(tmp_path / "overview.png"), full_page=True)
            shot = os.environ.get("PEOPLEOS_SCREENSHOT_DIR")
            if shot:
                shutil.copy(tmp_path / "overview.png", Path(shot) / "overview.png")
        finally:
            browser.close()


def test_plain_streamlit_run_serves_no_page_without_the_router(
    chromium_path: str, seeded_url: str, tmp_path: Path
) -> None:
    """`streamlit run app.py` treats pages/ as old-style pages; they must show no data."""
    from playwright.sync_api import expect, sync_playwright

    command = [sys.executable, "-m", "streamlit", "run", "app.py"]
    with _serve(command, seeded_url, tmp_path / "plain.log") as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.goto(f"{url}/overview", timeout=60_000)
            _wait_for_streamlit(page)
            expect(page.get_by_text("Open PeopleOS from its home page")).to_be_visible()
            assert page.locator('[data-testid="stMetric"]').count() == 0
            assert page.locator('[data-testid="stDataFrame"]').count() == 0
        finally:
            browser.close()
