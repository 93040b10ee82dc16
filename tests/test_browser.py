"""Browser smoke test: the real app in headless Debian chromium driven by Playwright."""

from __future__ import annotations

import hashlib
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import jwt
import pytest

from core.db import Database
from core.permissions import PAGES, ROLES, pages_for
from pages._components import HIDDEN_PAGES, PAGE_FILES
from tests.conftest import DEMO_PASSWORD
from tests.helpers import CachingEmbedder, company_ids_by_name, expected_overview

if TYPE_CHECKING:
    from playwright.sync_api import Browser

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
    from playwright.sync_api import expect

    # Both suites, an app server and chromium share two cores in `make test`: Playwright's
    # 5-second default for an expectation is a wait, not a measure of speed.
    expect.set_options(timeout=20_000)
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
def browser_url(_backend) -> str:  # noqa: ANN001 - the conftest's backend
    """A demo world of its own (these tests apply and scan, so they must not share one): a
    copy of the run's standard demo template (3 companies, 400 candidates, seed 7, scored),
    which the other modules build anyway, instead of seeding it again (about 15 s of CPU)."""
    from tests.conftest import _seeded_template

    return _backend.copy(_seeded_template(_backend))


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
    # Streamlit's own state, as in its e2e tests: connected, script idle, no skeletons. A
    # wait, not a measure: a first page of a fresh app (models loading) on two shared, slow
    # cores took over 30 s (seen).
    wait = 90_000
    page.wait_for_selector(
        '[data-testid="stApp"][data-test-connection-state="CONNECTED"]', timeout=wait
    )
    page.wait_for_selector(
        '[data-testid="stApp"][data-test-script-state="notRunning"]', timeout=wait
    )
    page.wait_for_function(
        'document.querySelectorAll("[data-testid=stSkeleton]").length === 0', timeout=wait
    )


def _choose(page, label: str, option: str) -> None:  # noqa: ANN001 - playwright Page
    """Pick ``option`` in the selectbox labelled ``label``; reopen it if a rerun closed it."""
    box = page.locator('[data-testid="stSelectbox"]').filter(has_text=label)
    for _ in range(3):
        _wait_for_streamlit(page)
        box.click()
        choice = page.get_by_role("option", name=option, exact=False)
        try:
            choice.wait_for(state="visible", timeout=10_000)
            # A rerun can re-render the list between seeing the option and clicking it (seen
            # on a loaded machine: the click then waited 30 s for an option gone).
            choice.click(timeout=10_000)
        except Exception:  # noqa: BLE001 - a rerun re-rendered the list; open it again
            page.keyboard.press("Escape")
            continue
        _wait_for_streamlit(page)
        return
    raise AssertionError(f"option {option!r} never appeared in {label!r}")


@pytest.fixture(scope="module")
def _chromium(chromium_path: str) -> Iterator[Browser]:
    """One chromium for the module (starting one costs about 2 s of CPU)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def browser(_chromium: Browser) -> Iterator[Browser]:
    """The module's chromium. ``new_page`` opens each page in a context of its own (its own
    cookies); whatever a test opened is closed after it."""
    yield _chromium
    for context in _chromium.contexts:
        context.close()


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
    browser: Browser, app_url: str, browser_db: Database, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    expected = expected_overview(browser_db, company_ids_by_name(browser_db)["Quillpay"])
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
    # A page's own address, opened directly (a bookmark, a new tab), opens that page
    # once the login cookie is read, not the first page of the menu.
    pages = (("pipeline", "Pipeline"), ("company_dna", "Company DNA"))
    for path, heading in (*pages, ("overview", "Overview")):
        page.goto(f"{app_url}/{path}", timeout=60_000)
        _wait_for_streamlit(page)
        expect(page.get_by_role("heading", name=heading).first).to_be_visible(timeout=30_000)
        assert page.url.endswith(f"/{path}")
        expect(page.get_by_text("Page not found")).to_have_count(0)
    shot = os.environ.get("PEOPLEOS_SCREENSHOT_DIR")
    if shot:
        shutil.copy(tmp_path / "overview.png", Path(shot) / "overview.png")


def test_without_login_every_page_url_shows_only_the_login(browser: Browser, app_url: str) -> None:
    from playwright.sync_api import expect

    page = browser.new_page()
    for key in ["", *PAGES]:
        page.goto(f"{app_url}/{key}", timeout=60_000)
        _wait_for_streamlit(page)
        expect(page.get_by_role("textbox", name="Username")).to_be_visible()
        assert page.locator('[data-testid="stMetric"]').count() == 0, key
        assert page.locator('[data-testid="stDataFrame"]').count() == 0, key
        assert _sidebar_pages(page) == [], key


@pytest.mark.parametrize("role", ROLES)
def test_after_login_the_sidebar_lists_exactly_the_roles_pages(
    browser: Browser, app_url: str, role: str
) -> None:
    short = {"talent_lead": "talent"}.get(role, role)
    titles = {key: entry[1] for key, entry in PAGE_FILES.items()}
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    _log_in(page, app_url, f"{short}.quillpay")
    page.get_by_role("button", name="Log out", exact=True).wait_for(timeout=30_000)
    allowed = [titles[k] for k in pages_for(role) if k not in HIDDEN_PAGES]
    # Streamlit shows no page menu for a single page; that page opens by itself.
    assert _sidebar_pages(page) == (allowed if len(allowed) > 1 else [])
    page.get_by_role("heading", name=allowed[0]).first.wait_for(timeout=30_000)


def _shows_only_the_login(page) -> None:  # noqa: ANN001 - playwright Page
    from playwright.sync_api import expect

    _wait_for_streamlit(page)
    # A rerun (the cookie being dropped) can show a second form for a moment: wait for one.
    username = page.get_by_role("textbox", name="Username")
    # Two test suites, an app server and chromium on two cores: a reload can take long.
    try:
        expect(username).to_have_count(1, timeout=60_000)
    except AssertionError as exc:  # say what the page shows instead
        raise AssertionError(
            f"no login form; the page shows: {page.inner_text('body')[:1500]}"
        ) from exc
    expect(username).to_be_visible(timeout=30_000)
    # Under load the previous run's sidebar can linger for a moment after the form shows.
    expect(page.get_by_role("button", name="Log out", exact=True)).to_have_count(0, timeout=30_000)
    expect(page.locator('[data-testid="stSidebarNav"] a')).to_have_count(0, timeout=30_000)


def _session_alive(db: Database, cookie: str) -> bool:
    """Whether the server session the login cookie names is still open (the cookie carries
    its token; the database only the token's SHA-256)."""
    from sqlalchemy import select

    from core.models import UserSession

    token = jwt.decode(cookie, options={"verify_signature": False})["sid"]
    digest = hashlib.sha256(token.encode()).hexdigest()
    with db.uow() as uow:
        row = uow.session.execute(
            select(UserSession.revoked_at).where(UserSession.token_hash == digest)
        ).first()
    return row is not None and row.revoked_at is None


def test_log_out_ends_the_session_and_no_other_cookie_opens_one(
    browser: Browser, app_url: str, browser_db: Database
) -> None:
    """Log out, reload: the login form. The cookie copied before logging out opens nothing in
    another browser, nor does a cookie signed with the development key from the source, nor
    one signed with the app's own key that names no live session."""
    from playwright.sync_api import expect

    from core.config import _DEV_SECRET, get_settings
    from pages._session import COOKIE_NAME

    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    _log_in(page, app_url, "admin.quillpay")
    logout = page.get_by_role("button", name="Log out", exact=True)
    logout.wait_for(timeout=30_000)
    copied = [c for c in context.cookies() if c["name"] == COOKIE_NAME]
    assert copied, "no login cookie to copy"
    assert _session_alive(browser_db, copied[0]["value"])
    # A fresh-clone run once showed the whole app after the reload. Check on the server
    # that the session this browser's cookie names has ended, clicking again only if
    # the button is still there (a click landing during a rerun can be dropped).
    for _ in range(3):
        if logout.count():
            logout.click()
        deadline = time.monotonic() + 20
        while _session_alive(browser_db, copied[0]["value"]):
            if time.monotonic() > deadline:
                break
            page.wait_for_timeout(250)
        else:
            break
    assert not _session_alive(browser_db, copied[0]["value"]), "Log out ended no session"
    # The form at once (on a loaded machine the old sidebar can linger until the next
    # run; the session is already gone on the server), then the reload shows only it.
    expect(page.get_by_role("textbox", name="Username").first).to_be_visible(timeout=30_000)
    page.reload()
    _shows_only_the_login(page)

    elsewhere = browser.new_context().new_page()
    elsewhere.context.add_cookies(copied)
    elsewhere.goto(app_url, timeout=60_000)
    _shows_only_the_login(elsewhere)
    # A session that ended under the browser says so.
    # (Under load a rerun can show the old and the new message for a moment: the first.)
    ended = elsewhere.get_by_text("Your session has ended").first
    expect(ended).to_be_visible(timeout=30_000)

    far = time.time() + 10 * 365 * 86_400
    forged = [
        jwt.encode(
            {"username": "admin.quillpay", "exp_date": far, **extra},
            key,
            algorithm="HS256",
        )
        for key in (_DEV_SECRET, get_settings().secret_key)
        for extra in ({}, {"sid": "made-up-session"})
    ]
    for value in forged:
        attacker = browser.new_context().new_page()
        attacker.context.add_cookies([{"name": COOKIE_NAME, "value": value, "url": app_url}])
        attacker.goto(f"{app_url}/users", timeout=60_000)
        _shows_only_the_login(attacker)


def test_plain_streamlit_run_serves_no_page_without_the_router(
    browser: Browser, browser_url: str, tmp_path: Path
) -> None:
    """`streamlit run app.py` treats pages/ as old-style pages; they must show no data."""
    from playwright.sync_api import expect

    command = [sys.executable, "-m", "streamlit", "run", "app.py"]
    with _serve(command, browser_url, tmp_path / "plain.log") as url:
        page = browser.new_page()
        page.goto(f"{url}/overview", timeout=60_000)
        _wait_for_streamlit(page)
        expect(page.get_by_text("Open PeopleOS from its home page")).to_be_visible()
        assert page.locator('[data-testid="stMetric"]').count() == 0
        assert page.locator('[data-testid="stDataFrame"]').count() == 0


@pytest.mark.parametrize("username", ["founder.quillpay", "talent.northwind", "founder.helix"])
def test_company_dna_page_renders_for_each_demo_company(
    browser: Browser, app_url: str, browser_db: Database, username: str, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    from core.services import auth, company_dna

    actor = auth.load_actor(browser_db.uow(), username)
    system = auth.Actor.system(actor.company_id, actor.company_name)
    company_dna.scan_company(browser_db.uow(), system, CachingEmbedder(), datetime.now(UTC))
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    _log_in(page, app_url, username)
    heading = page.get_by_role("heading", name="Company DNA").first
    # A click landing while the login's cookie rerun is under way can be lost; a busy
    # 2-core machine also takes more than the default 5 s to switch pages.
    for _ in range(3):
        page.get_by_role("link", name="Company DNA").click()
        _wait_for_streamlit(page)
        try:
            expect(heading).to_be_visible(timeout=15_000)
            break
        except AssertionError:
            continue
    expect(heading).to_be_visible(timeout=15_000)
    expect(page.get_by_text("Culture DNA").first).to_be_visible(timeout=30_000)
    expect(page.locator(".js-plotly-plot").first).to_be_visible(timeout=30_000)
    assert page.locator('[data-testid="stMetric"]').count() == 4
    page.screenshot(path=str(tmp_path / "dna.png"), full_page=True)
    shot = os.environ.get("PEOPLEOS_SCREENSHOT_DIR")
    if shot:
        shutil.copy(tmp_path / "dna.png", Path(shot) / f"dna-{username}.png")


def _resume_pdf(*lines: str) -> bytes:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=11)
    for line in lines:
        pdf.multi_cell(0, 6, line, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


ZED = (
    "Zed Applicant",
    "Experience",
    "Senior Backend Engineer - Ledgerly | Jan 2019 - Present",
    "Skills",
    "Python, PostgreSQL, Kubernetes, Kafka",
)


def _intake_counts(db: Database) -> dict[str, int]:
    """Rows an application writes, counted straight from the tables."""
    from sqlalchemy import func, select

    from core.models import Candidate, CandidateDocument, CandidateStageEvent, Consent

    with db.uow() as uow:
        return {
            m.__tablename__: uow.session.scalar(select(func.count()).select_from(m))
            for m in (Candidate, CandidateDocument, Consent, CandidateStageEvent)
        }


def _fill_application(page, url: str, name: str, email: str) -> None:  # noqa: ANN001
    page.goto(f"{url}/careers?company=quillpay", timeout=60_000)
    _wait_for_streamlit(page)
    page.get_by_role("textbox", name="Full name").fill(name)
    page.get_by_role("textbox", name="Email").fill(email)
    page.get_by_text("I agree to the processing").click()


def _upload_and_submit(page, resume: Path) -> None:  # noqa: ANN001
    # The upload finishes in the background; wait until the file is listed (choose it again
    # if a rerun replaced the widget meanwhile).
    for attempt in range(3):
        _wait_for_streamlit(page)
        page.locator('input[type="file"]').set_input_files(str(resume))
        try:
            page.get_by_text(resume.name).wait_for(timeout=30_000)
            break
        except Exception as exc:  # noqa: BLE001 - playwright's TimeoutError
            if attempt == 2:  # say what the page shows instead
                text = page.inner_text("body")[:2000]
                raise AssertionError(f"{resume.name} never listed; the page shows: {text}") from exc
    _wait_for_streamlit(page)
    page.get_by_role("button", name="Submit application").click()
    _wait_for_streamlit(page)


def _applications(db: Database, email: str) -> list:  # noqa: ANN001
    from sqlalchemy import select

    from core.models import Candidate

    with db.uow() as uow:
        return list(
            uow.session.scalars(
                select(Candidate).where(Candidate.email == email).order_by(Candidate.created_at)
            )
        )


def _open_pipeline(page, url: str, role_title: str) -> None:  # noqa: ANN001
    page.goto(f"{url}/pipeline")
    _wait_for_streamlit(page)
    _choose(page, "Role", role_title)


def _click_row(page, index: int) -> None:  # noqa: ANN001
    """Click the name cell of row ``index`` of the last table until the profile opens (the
    grid is drawn on a canvas, so by position: a 35-pixel header, then 35-pixel rows)."""
    grid = page.locator('[data-testid="stDataFrame"]').last
    grid.scroll_into_view_if_needed()
    for attempt in range(6):
        if "/candidate?" in page.url:  # an earlier click opened it after the last check
            return
        box = grid.bounding_box()
        if box is None:  # the page is changing (the profile opening): look again
            page.wait_for_timeout(500)
            continue
        x, y = box["x"] + 120, box["y"] + 35 + 35 * index + 17
        # The grid takes a click only once the pointer has moved over it, from outside it
        # (a loaded machine may still be drawing it: wait longer each time).
        page.mouse.move(x, box["y"] - 20)
        page.mouse.move(x, y, steps=5)
        page.wait_for_timeout(300 * (attempt + 1))
        page.mouse.click(x, y)
        _wait_for_streamlit(page)
        if "/candidate?" in page.url:
            return
    raise AssertionError("clicking the row did not open the profile")


def test_one_person_applies_to_two_roles_and_staff_find_them_on_both(
    browser: Browser, app_url: str, browser_db: Database, tmp_path: Path
) -> None:
    from playwright.sync_api import expect
    from sqlalchemy import select

    from core.models import Company, Role
    from ml.resume_files import ResumeFileError, extract_text

    email = "zed.applicant@example.com"
    resume = tmp_path / "zed.pdf"
    resume.write_bytes(_resume_pdf(*ZED))
    fake = tmp_path / "cv.pdf"
    fake.write_bytes(b"MZ\x90\x00" + bytes(4000))  # a program renamed to .pdf
    with pytest.raises(ResumeFileError) as refused:
        extract_text(fake.read_bytes())
    with browser_db.uow() as uow:
        titles = dict(
            uow.session.execute(
                select(Role.id, Role.title)
                .join(Company, Company.id == Role.company_id)
                .where(Role.status == "active", Company.slug == "quillpay")
            ).all()
        )
    before = _intake_counts(browser_db)
    page = browser.new_page(viewport={"width": 1400, "height": 1400})
    _fill_application(page, app_url, "Zed Applicant", email)
    # The bot trap is there for bots only: neither seen nor announced to people.
    trap = page.locator(".st-key-website")
    expect(trap).to_have_count(1)
    expect(trap).to_be_hidden()
    assert page.get_by_role("textbox", name="Website").count() == 0
    # The job posting is JSON-LD in the head, for crawlers, not text on the page.
    posting = page.locator('head script[type="application/ld+json"]')
    expect(posting).to_have_count(1)
    assert '"@type": "JobPosting"' in posting.text_content()
    assert page.get_by_text("JSON-LD").count() == 0
    _upload_and_submit(page, fake)
    expect(page.get_by_text(str(refused.value), exact=True)).to_be_visible(timeout=30_000)
    assert _intake_counts(browser_db) == before
    _upload_and_submit(page, resume)
    expect(page.get_by_text("your application is in")).to_be_visible(timeout=60_000)
    first_role = _applications(browser_db, email)[0].role_id
    # A second role, without reloading: the same person's details are kept.
    page.get_by_role("button", name="Apply to another role").click()
    _wait_for_streamlit(page)
    second_title = sorted(t for r, t in titles.items() if r != first_role)[0]
    _choose(page, "Role", second_title)
    expect(page.get_by_role("textbox", name="Email")).to_have_value(email)
    page.get_by_text("I agree to the processing").click()
    _upload_and_submit(page, resume)
    expect(page.get_by_text("your application is in")).to_be_visible(timeout=60_000)
    expect(page.get_by_text(titles[first_role], exact=False).first).to_be_visible()
    people = _applications(browser_db, email)
    assert [c.role_id for c in people][0] == first_role and len(people) == 2
    assert people[0].person_id == people[1].person_id
    # Scored in the background right after the answer (no worker runs here).
    deadline = time.monotonic() + 90
    while any(c.fit_score is None for c in _applications(browser_db, email)):
        assert time.monotonic() < deadline, "not scored within 90 s"
        time.sleep(1)
    fit = _applications(browser_db, email)[1].fit_score
    # The talent lead finds them on both roles' pipelines ...
    staff = browser.new_page(viewport={"width": 1400, "height": 1400})
    _log_in(staff, app_url, "talent.quillpay")
    for title in (titles[first_role], second_title):
        _open_pipeline(staff, app_url, title)
        applied = staff.locator('[data-testid="stColumn"]').filter(has_text="Applied ·")
        expect(applied.get_by_text("Zed Applicant", exact=False)).to_be_visible(timeout=30_000)
    # ... and opens the profile by clicking the row in the table (newest first).
    _choose(staff, "Sort", "Newest first")
    _click_row(staff, 0)
    expect(staff.get_by_role("heading", name="Zed Applicant")).to_be_visible(timeout=30_000)
    assert "/candidate?id=" in staff.url
    expect(staff.get_by_text("Also applied to")).to_be_visible()
    expect(staff.get_by_text("Kafka, Kubernetes, PostgreSQL, Python")).to_be_visible()
    expect(staff.get_by_text(f"{fit}/100", exact=True)).to_be_visible()
    expect(staff.get_by_text("Why this score")).to_be_visible()
    staff.screenshot(path=str(tmp_path / "profile.png"), full_page=True)


def _oversized_pdf() -> bytes:
    """A readable resume PDF padded past 5 MB with a PDF comment: only its size is wrong."""
    from ml.resume_files import MAX_BYTES

    pdf = _resume_pdf(*ZED)
    return pdf + b"%" + b"0" * (MAX_BYTES + 1024 * 1024 - len(pdf)) + b"\n"


def _blank_pdf() -> bytes:
    """A PDF with one page and no text on it."""
    return _resume_pdf()


def _encrypted_pdf() -> bytes:
    import io

    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    writer.append(PdfReader(io.BytesIO(_resume_pdf(*ZED))))
    writer.encrypt("secret")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.mark.parametrize("make", [_blank_pdf, _encrypted_pdf], ids=["empty-pdf", "encrypted-pdf"])
def test_a_bad_upload_on_the_careers_page_shows_why_and_stores_nothing(
    browser: Browser,
    app_url: str,
    browser_db: Database,
    tmp_path: Path,
    make: Callable[[], bytes],
) -> None:
    from playwright.sync_api import expect

    from ml.resume_files import ResumeFileError, extract_text

    data = make()
    # The message the page must show is the one the resume reader gives for this file.
    with pytest.raises(ResumeFileError) as refused:
        extract_text(data)
    resume = tmp_path / "my-resume.pdf"
    resume.write_bytes(data)
    before = _intake_counts(browser_db)
    page = browser.new_page(viewport={"width": 1400, "height": 1400})
    _fill_application(page, app_url, "Bad Upload", f"bad.{make.__name__}@example.com")
    _upload_and_submit(page, resume)
    errors = page.locator('[data-testid="stAlertContentError"]')
    expect(errors).to_have_count(1, timeout=30_000)
    expect(errors).to_have_text(str(refused.value))
    expect(page.get_by_text("your application is in")).to_have_count(0)
    assert _intake_counts(browser_db) == before


def test_a_file_over_the_one_upload_limit_never_reaches_the_server(
    browser: Browser, app_url: str, browser_db: Database, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    resume = tmp_path / "big-resume.pdf"
    resume.write_bytes(_oversized_pdf())
    before = _intake_counts(browser_db)
    page = browser.new_page(viewport={"width": 1400, "height": 1400})
    _fill_application(page, app_url, "Big Upload", "big.upload@example.com")
    # The limit is stated once, by the upload widget, and is the server's.
    expect(page.get_by_text("5MB per file", exact=False)).to_have_count(1)
    page.locator('input[type="file"]').set_input_files(str(resume))
    expect(page.get_by_text("5.0MB or smaller", exact=False)).to_be_visible(timeout=30_000)
    page.get_by_role("button", name="Submit application").click()
    _wait_for_streamlit(page)
    expect(page.get_by_text("Attach your resume")).to_be_visible()
    assert _intake_counts(browser_db) == before


def _pick(page, label: str, option: str) -> None:  # noqa: ANN001 - playwright Page
    """Add ``option`` in the multiselect labelled ``label``."""
    box = page.locator('[data-testid="stMultiSelect"]').filter(has_text=label)
    box.click()
    page.get_by_role("option", name=option, exact=False).click()
    page.keyboard.press("Escape")
    _wait_for_streamlit(page)


def _radio(page, label: str, option: str) -> None:  # noqa: ANN001 - playwright Page
    group = page.locator('[data-testid="stRadio"]').filter(has_text=label).first
    group.get_by_text(option, exact=True).click()


def test_the_people_chain_from_interview_to_day_seven(
    browser: Browser, app_url: str, browser_db: Database
) -> None:
    """Schedule an interview, its questions (the weakest dimension among the reasons), a
    scorecard given blind to another's, offer, hire with four dated checkpoints, the new hire
    sets a password through the invitation, logs in and completes day 7, and the founder's
    Onboarding page shows the new status and alignment."""
    import re

    from playwright.sync_api import expect
    from sqlalchemy import select

    from core.models import Candidate, Notification
    from core.services import interview_feedback, interviews, model_registry, onboarding, scoring
    from tests.helpers import actor_of_role

    company = company_ids_by_name(browser_db)["Quillpay"]
    with browser_db.uow() as uow:
        candidate = uow.session.scalars(
            select(Candidate)
            .where(
                Candidate.company_id == company,
                Candidate.status == "interview",
                Candidate.fit_breakdown.is_not(None),
            )
            .order_by(Candidate.id)
        ).first()
        name, email, candidate_id = candidate.full_name, candidate.email, candidate.id
    founder = actor_of_role(browser_db, company, "founder")
    # Scored as "Rescore now" does, so the kit has dimension scores to work from.
    scoring.rescore_candidate(
        browser_db.uow(),
        actor_of_role(browser_db, company),
        candidate_id,
        model_registry.load_models(),
        datetime.now(UTC),
    )
    talent = browser.new_page(viewport={"width": 1400, "height": 1600})
    _log_in(talent, app_url, "talent.quillpay")
    talent.goto(f"{app_url}/interviews?candidate={candidate_id}")
    _wait_for_streamlit(talent)
    _pick(talent, "Panel (the first leads)", "Nia Rossi")
    _pick(talent, "Panel (the first leads)", founder.full_name)
    talent.get_by_role("button", name="Schedule and invite the panel").click()
    expect(talent.get_by_text("invitation(s) queued")).to_be_visible(timeout=30_000)
    talent.get_by_role("button", name="Generate questions").click()
    _wait_for_streamlit(talent)
    expect(talent.get_by_text("weakest dimension").first).to_be_visible(timeout=30_000)
    view = interviews.list_interviews(
        browser_db.uow(), actor_of_role(browser_db, company), datetime.now(UTC)
    )[0]
    assert view.candidate_id == candidate_id
    # The founder on the panel gives feedback first; the interviewer cannot see it.
    rated = interview_feedback.scorecard_form(browser_db.uow(), founder, view.id)
    interview_feedback.submit_scorecard(
        browser_db.uow(),
        founder,
        view.id,
        dict.fromkeys(rated, 3),
        {rated[0]: "Clear about the job."},
        "yes",
        datetime.now(UTC),
    )
    nia = browser.new_page(viewport={"width": 1400, "height": 1600})
    _log_in(nia, app_url, "interviewer.quillpay")
    nia.goto(f"{app_url}/candidate?id={candidate_id}")
    _wait_for_streamlit(nia)
    expect(nia.get_by_text("scorecard(s) from the panel stay hidden")).to_be_visible(timeout=30_000)
    nia.goto(f"{app_url}/interviews")
    _wait_for_streamlit(nia)
    when = view.local_start.strftime("%a %Y-%m-%d %H:%M")
    _choose(nia, "Interview you sat on", f"{when} · {name}")
    labels = [interview_feedback.DIMENSIONS[d] for d in rated]
    for label in labels:
        _radio(nia, label, "3 · Meets the bar")
    nia.get_by_role("textbox", name=f"What you saw: {labels[0]}").fill(
        "Walked through a migration in detail."
    )
    _radio(nia, "Recommendation", "Yes")
    nia.get_by_role("button", name="Submit feedback").click()
    expect(nia.get_by_text("Feedback submitted (version 1)")).to_be_visible(timeout=30_000)
    # Offer, then hire, on the profile.
    talent.goto(f"{app_url}/candidate?id={candidate_id}")
    _wait_for_streamlit(talent)
    talent.get_by_text("Make an offer").first.click()
    talent.get_by_role("spinbutton", name="Annual salary").fill("130000")
    talent.get_by_role("textbox", name="Why, if outside the role's pay band").fill(
        "Agreed with the founder."
    )
    talent.get_by_role("button", name="Make an offer").click()
    expect(talent.get_by_text("Offer recorded")).to_be_visible(timeout=30_000)
    talent.reload()
    _wait_for_streamlit(talent)
    hired = talent.get_by_text("Onboarding checkpoints:")
    # A click that lands while the page reruns (the profile's scores load) can be
    # lost; hiring again is harmless (the same hire), so the click is repeated.
    for _ in range(3):
        _wait_for_streamlit(talent)
        submit = talent.get_by_role("button", name="Hire", exact=True)
        if not submit.is_visible():
            talent.get_by_text("Hire", exact=True).first.click()
        submit.click()
        try:
            expect(hired).to_be_visible(timeout=15_000)
            break
        except AssertionError:
            continue
    expect(hired).to_be_visible(timeout=15_000)
    dates = re.findall(r"\d{4}-\d{2}-\d{2}", hired.inner_text())
    start = date.fromisoformat(dates[0])
    assert dates[1:] == [str(start + timedelta(days=d)) for d in (7, 30, 60, 90)]
    # The new hire's invitation, as the email carries it.
    with browser_db.uow() as uow:
        body = uow.session.scalars(
            select(Notification.body).where(
                Notification.event_type == "user.invitation",
                Notification.recipient == email,
            )
        ).one()
    token = re.search(r"token=(\S+)", body).group(1)
    username = re.search(r"username is (\S+)\.", body).group(1)
    newbie = browser.new_page(viewport={"width": 1400, "height": 1400})
    newbie.goto(f"{app_url}/welcome?token={token}")
    _wait_for_streamlit(newbie)
    newbie.get_by_role("textbox", name="Password (at least 12 characters)").fill(
        "first-day-at-quillpay"
    )
    newbie.get_by_role("textbox", name="Repeat the password").fill("first-day-at-quillpay")
    newbie.get_by_role("button", name="Set my password").click()
    expect(newbie.get_by_text("Your password is set")).to_be_visible(timeout=30_000)
    # The manager's side of day 7, then the new hire's in the browser.
    plan = next(
        pl for pl in onboarding.list_plans(browser_db.uow(), founder) if pl.hire_name == name
    )
    onboarding.answer_checkpoint(
        browser_db.uow(),
        founder,
        plan.id,
        7,
        {"on_track": 4, "team": 4, "values": 4},
        "",
        datetime.now(UTC),
    )
    mine = browser.new_page(viewport={"width": 1400, "height": 1600})
    _log_in(mine, app_url, username, "first-day-at-quillpay")
    mine.goto(f"{app_url}/my_onboarding")
    _wait_for_streamlit(mine)
    for text in onboarding.QUESTIONS["new_hire"].values():
        _radio(mine, text, "4")
    mine.get_by_role("button", name="Submit the checkpoint").click()
    expect(mine.get_by_text("Day 7 answers saved")).to_be_visible(timeout=30_000)
    boss = browser.new_page(viewport={"width": 1400, "height": 1600})
    _log_in(boss, app_url, founder.username)
    boss.goto(f"{app_url}/onboarding")
    _wait_for_streamlit(boss)
    expect(boss.get_by_text("Alignment by checkpoint")).to_be_visible(timeout=30_000)
    row = boss.locator('[data-testid="stDataFrame"]').first
    expect(row).to_be_visible()
    done = next(pl for pl in onboarding.list_plans(browser_db.uow(), founder) if pl.id == plan.id)
    assert done.status == "in_progress" and done.checkpoints[0].alignment == 75
    shot = os.environ.get("PEOPLEOS_SCREENSHOT_DIR")
    if shot:
        boss.screenshot(path=str(Path(shot) / "onboarding.png"), full_page=True)


def test_a_pulse_is_opened_answered_anonymously_and_shown_open(
    browser: Browser, app_url: str, browser_db: Database
) -> None:
    """The founder opens a pulse (the page then says it is open, figures after it closes);
    the employee answers it in the browser; the answer is stored without its author, dated
    at the pulse's opening."""
    from playwright.sync_api import expect
    from sqlalchemy import func, select

    from core.models import CulturePulse, CulturePulseCheck

    founder = browser.new_page(viewport={"width": 1400, "height": 1400})
    _log_in(founder, app_url, "founder.quillpay")
    founder.goto(f"{app_url}/culture_pulse")
    _wait_for_streamlit(founder)
    founder.get_by_role("button", name="Open a pulse now").click()
    expect(founder.get_by_text("its results appear when it closes")).to_be_visible(timeout=30_000)
    with browser_db.uow() as uow:
        pulse = uow.session.scalars(
            select(CulturePulse).order_by(CulturePulse.opened_at.desc())
        ).first()
    employee = browser.new_page(viewport={"width": 1400, "height": 1800})
    _log_in(employee, app_url, "employee.quillpay")
    employee.goto(f"{app_url}/pulse")
    _wait_for_streamlit(employee)
    groups = employee.locator('[data-testid="stRadio"]')
    expect(groups).to_have_count(len(pulse.questions))
    for i in range(groups.count()):
        group = groups.nth(i)
        agree = group.get_by_text("4 · Agree", exact=True)
        (agree if agree.count() else group.get_by_text("9", exact=True)).click()
    employee.get_by_role("button", name="Send my answers").click()
    expect(employee.get_by_text("your answers are in")).to_be_visible(timeout=30_000)
    expect(employee.get_by_text("You have answered this pulse")).to_be_visible()
    with browser_db.uow() as uow:
        answers = uow.session.scalars(
            select(CulturePulseCheck).where(CulturePulseCheck.pulse_id == pulse.id)
        ).all()
        total = uow.session.scalar(select(func.count()).select_from(CulturePulseCheck))
    assert len(answers) == 1 and total > 1
    assert answers[0].employee_id is None and answers[0].created_at == pulse.opened_at
    assert answers[0].enps == 9 and answers[0].builder_mindset_score == 75
