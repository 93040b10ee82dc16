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
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from core.db import Database
from core.permissions import PAGES, ROLES, pages_for
from pages._components import PAGE_FILES
from tests.conftest import DEMO_PASSWORD
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
def browser_url(new_database_url) -> str:  # noqa: ANN001 - fixture factory
    """A demo world of its own: these tests apply and scan, so they must not share one."""
    from core.services import database, demo
    from tests.conftest import DEMO_AS_OF, DEMO_PASSWORD

    url = new_database_url()
    database.upgrade(url)
    db = Database(url)
    try:
        demo.seed_demo(
            db.uow(), companies=3, candidates=400, seed=7, as_of=DEMO_AS_OF, password=DEMO_PASSWORD
        )
    finally:
        db.dispose()
    return url


@pytest.fixture
def browser_db(browser_url: str) -> Iterator[Database]:
    db = Database(browser_url)
    yield db
    db.dispose()


@pytest.fixture(scope="module")
def app_url(browser_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`python app.py` (what `make run` starts) against the browser tests' database."""
    log = tmp_path_factory.mktemp("streamlit") / "app.log"
    with _serve([sys.executable, "app.py"], browser_url, log) as url:
        yield url


def _wait_for_streamlit(page) -> None:  # noqa: ANN001 - playwright Page
    # Streamlit's own state, as in its e2e tests: connected, script idle, no skeletons.
    page.wait_for_selector('[data-testid="stApp"][data-test-connection-state="CONNECTED"]')
    page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]')
    page.wait_for_function('document.querySelectorAll("[data-testid=stSkeleton]").length === 0')


def _browser(p, chromium_path: str):  # noqa: ANN001, ANN202 - playwright objects
    return p.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)


def _log_in(page, url: str, username: str, password: str = DEMO_PASSWORD) -> None:  # noqa: ANN001
    page.goto(url, timeout=60_000)
    _wait_for_streamlit(page)
    page.get_by_role("textbox", name="Username").fill(username)
    page.get_by_role("textbox", name="Password").fill(password)
    page.get_by_role("button", name="Login").click()
    _wait_for_streamlit(page)
    # The login cookie is written by a component in the browser, which then reruns the app.
    deadline = time.monotonic() + 20
    while not any(c["name"] == "peopleos_session" for c in page.context.cookies()):
        assert time.monotonic() < deadline, "the login cookie was never set"
        page.wait_for_timeout(200)
    _wait_for_streamlit(page)


def _sidebar_pages(page) -> list[str]:  # noqa: ANN001
    links = page.locator('[data-testid="stSidebarNav"] a')
    # Each link reads '<icon name>\n\n<title>'; the title is the last line.
    return [text.strip().splitlines()[-1] for text in links.all_inner_texts()]


def test_overview_renders_in_chromium(
    chromium_path: str, app_url: str, browser_db: Database, tmp_path: Path
) -> None:
    from playwright.sync_api import expect, sync_playwright

    expected = expected_overview(browser_db, company_ids_by_name(browser_db)["Quillpay"])
    with sync_playwright() as p:
        browser = _browser(p, chromium_path)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            _log_in(page, app_url, "founder.quillpay")
            page.get_by_role("heading", name="Overview").first.wait_for(timeout=30_000)
            metrics = page.locator('[data-testid="stMetric"]')
            expect(metrics).to_have_count(4, timeout=30_000)
            open_roles = metrics.filter(has_text="Open roles")
            expect(open_roles.locator('[data-testid="stMetricValue"]')).to_have_text(
                str(expected["Open roles"])
            )
            expect(page.locator(".js-plotly-plot")).to_have_count(1, timeout=30_000)
            _wait_for_streamlit(page)
            page.screenshot(path=str(tmp_path / "overview.png"), full_page=True)
            # The login cookie keeps the session across a reload.
            page.reload()
            _wait_for_streamlit(page)
            expect(page.get_by_role("heading", name="Overview").first).to_be_visible(timeout=30_000)
            shot = os.environ.get("PEOPLEOS_SCREENSHOT_DIR")
            if shot:
                shutil.copy(tmp_path / "overview.png", Path(shot) / "overview.png")
        finally:
            browser.close()


def test_without_login_every_page_url_shows_only_the_login(
    chromium_path: str, app_url: str
) -> None:
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as p:
        browser = _browser(p, chromium_path)
        try:
            page = browser.new_page()
            for key in ["", *PAGES]:
                page.goto(f"{app_url}/{key}", timeout=60_000)
                _wait_for_streamlit(page)
                expect(page.get_by_role("textbox", name="Username")).to_be_visible()
                assert page.locator('[data-testid="stMetric"]').count() == 0, key
                assert page.locator('[data-testid="stDataFrame"]').count() == 0, key
                assert _sidebar_pages(page) == [], key
        finally:
            browser.close()


@pytest.mark.parametrize("role", ROLES)
def test_after_login_the_sidebar_lists_exactly_the_roles_pages(
    chromium_path: str, app_url: str, role: str
) -> None:
    from playwright.sync_api import sync_playwright

    short = {"talent_lead": "talent"}.get(role, role)
    titles = {key: entry[1] for key, entry in PAGE_FILES.items()}
    with sync_playwright() as p:
        browser = _browser(p, chromium_path)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            _log_in(page, app_url, f"{short}.quillpay")
            page.get_by_role("button", name="Log out", exact=True).wait_for(timeout=30_000)
            allowed = [titles[k] for k in pages_for(role)]
            # Streamlit shows no page menu for a single page; that page opens by itself.
            assert _sidebar_pages(page) == (allowed if len(allowed) > 1 else [])
            page.get_by_role("heading", name=allowed[0]).first.wait_for(timeout=30_000)
        finally:
            browser.close()


def test_plain_streamlit_run_serves_no_page_without_the_router(
    chromium_path: str, browser_url: str, tmp_path: Path
) -> None:
    """`streamlit run app.py` treats pages/ as old-style pages; they must show no data."""
    from playwright.sync_api import expect, sync_playwright

    command = [sys.executable, "-m", "streamlit", "run", "app.py"]
    with _serve(command, browser_url, tmp_path / "plain.log") as url, sync_playwright() as p:
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


@pytest.mark.parametrize("username", ["founder.quillpay", "talent.northwind", "founder.helix"])
def test_company_dna_page_renders_for_each_demo_company(
    chromium_path: str, app_url: str, browser_db: Database, username: str, tmp_path: Path
) -> None:
    from playwright.sync_api import expect, sync_playwright

    from core.services import auth, company_dna
    from ml.embeddings import Embedder

    actor = auth.load_actor(browser_db.uow(), username)
    system = auth.Actor.system(actor.company_id, actor.company_name)
    company_dna.scan_company(browser_db.uow(), system, Embedder(), datetime.now(UTC))
    with sync_playwright() as p:
        browser = _browser(p, chromium_path)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            _log_in(page, app_url, username)
            page.get_by_role("link", name="Company DNA").click()
            _wait_for_streamlit(page)
            expect(page.get_by_role("heading", name="Company DNA").first).to_be_visible()
            expect(page.get_by_text("Culture DNA").first).to_be_visible()
            expect(page.locator(".js-plotly-plot").first).to_be_visible(timeout=30_000)
            assert page.locator('[data-testid="stMetric"]').count() == 4
            page.screenshot(path=str(tmp_path / "dna.png"), full_page=True)
            shot = os.environ.get("PEOPLEOS_SCREENSHOT_DIR")
            if shot:
                shutil.copy(tmp_path / "dna.png", Path(shot) / f"dna-{username}.png")
        finally:
            browser.close()


def test_apply_through_the_careers_page_and_find_the_candidate(
    chromium_path: str, app_url: str, tmp_path: Path
) -> None:
    from fpdf import FPDF
    from playwright.sync_api import expect, sync_playwright

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=11)
    for line in (
        "Zed Applicant",
        "Experience",
        "Senior Backend Engineer - Ledgerly | Jan 2019 - Present",
        "Skills",
        "Python, PostgreSQL, Kubernetes, Kafka",
    ):
        pdf.multi_cell(0, 6, line, new_x="LMARGIN", new_y="NEXT")
    resume = tmp_path / "zed.pdf"
    resume.write_bytes(bytes(pdf.output()))
    fake = tmp_path / "cv.pdf"
    fake.write_bytes(b"MZ\x90\x00" + bytes(4000))  # a program renamed to .pdf
    with sync_playwright() as p:
        browser = _browser(p, chromium_path)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1400})
            page.goto(f"{app_url}/careers?company=quillpay", timeout=60_000)
            _wait_for_streamlit(page)
            page.get_by_role("textbox", name="Full name").fill("Zed Applicant")
            page.get_by_role("textbox", name="Email").fill("zed.applicant@example.com")
            page.get_by_text("I agree to the processing").click()
            upload = page.locator('input[type="file"]')
            upload.set_input_files(str(fake))
            # The upload finishes in the background; wait until the file is listed.
            page.get_by_text("cv.pdf").wait_for(timeout=30_000)
            _wait_for_streamlit(page)
            page.get_by_role("button", name="Submit application").click()
            _wait_for_streamlit(page)
            expect(page.get_by_text("Unsupported file type")).to_be_visible(timeout=30_000)
            upload.set_input_files(str(resume))
            page.get_by_text("zed.pdf").wait_for(timeout=30_000)
            _wait_for_streamlit(page)
            page.get_by_role("button", name="Submit application").click()
            expect(page.get_by_text("your application is in")).to_be_visible(timeout=60_000)
            # The talent lead finds the candidate, with the skills read from the PDF.
            staff = browser.new_page(viewport={"width": 1400, "height": 1400})
            _log_in(staff, app_url, "talent.quillpay")
            staff.goto(f"{app_url}/candidates")
            _wait_for_streamlit(staff)
            staff.get_by_role("textbox", name="Search name or email").fill("zed.applicant")
            staff.keyboard.press("Enter")
            _wait_for_streamlit(staff)
            expect(staff.get_by_text("1 candidate ·")).to_be_visible(timeout=30_000)
            staff.locator('[data-testid="stSelectbox"]').filter(has_text="Open a profile").click()
            staff.get_by_role("option", name="Zed Applicant", exact=False).click()
            _wait_for_streamlit(staff)
            expect(staff.get_by_text("Skills from the resume")).to_be_visible(timeout=30_000)
            expect(staff.get_by_text("Kafka, Kubernetes, PostgreSQL, Python")).to_be_visible()
        finally:
            browser.close()
