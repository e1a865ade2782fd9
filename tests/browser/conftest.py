"""Playwright driving Debian's Chromium against a live server.

Fixtures:
- `browser` (session): headless Chromium launched from CHROMIUM_PATH (default /usr/bin/chromium).
- `page` (1280×860 desktop), `tablet_page` (820×1180, touch), `phone_page` (390×844, touch): a fresh
  context per test, English unless the test changes it.
- `login(page, email, password="correct-horse-battery")`: signs in through the form.
- `screenshot(page, name)`: saves docs/screenshots/<name>.png for the README.

Every page watches itself: an uncaught JavaScript error, a Content-Security-Policy violation or a
console error fails the test (after it ran), with the messages listed; `page.console_errors` holds them.
Failed resource loads (a page that answers 404 on purpose) are not errors. Mark a test
`@pytest.mark.allow_console_errors` to let it through.

On failure, a Playwright trace (open it with `.venv/bin/playwright show-trace <file>`), a screenshot and
the HTML of every page of the test are saved under tests/artifacts/ (git-ignored).
Set PLAYWRIGHT_TRACE=0 to skip tracing.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

# Playwright's sync API runs an event loop in this thread; the Django ORM calls made by the test
# itself (factories) are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--disable-dev-shm-usage",
]
ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "docs" / "screenshots"
ARTIFACTS = ROOT / "tests" / "artifacts"
TRACE = os.environ.get("PLAYWRIGHT_TRACE", "1") != "0"
# Not errors of the page: a 4xx/5xx a test asks for on purpose, and the CSP listener below (injected into
# every frame) refused in an e-mail preview's sandboxed frame, which allows no script by design.
IGNORED_CONSOLE = re.compile(
    r"^Failed to load resource: the server responded with a status of"
    r"|^Blocked script execution in '[^']+' because the document's frame is sandboxed"
)

# A listener in the page reports CSP violations to the console, where the fixture collects them.
CSP_LISTENER = """
document.addEventListener('securitypolicyviolation', (e) => {
  console.error('CSP violation: ' + e.violatedDirective + ' blocked ' + (e.blockedURI || 'inline code')
    + ' at ' + e.sourceFile + ':' + e.lineNumber);
});
"""


def pytest_configure(config: Any) -> None:
    config.addinivalue_line("markers", "allow_console_errors: do not fail a browser test on console errors")


def pytest_collection_modifyitems(items: list[Any]) -> None:
    for item in items:
        if "tests/browser" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: Any, call: Any) -> Any:
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: run `make browser-deps`.")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


def _artifact_name(request: Any, suffix: str) -> Path:
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.nodeid.split("::", 1)[-1])[:120]
    module = Path(str(request.node.fspath)).stem
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS / f"{module}__{safe}{suffix}"


def _wait_for_server_requests(timeout: float = 15.0) -> None:
    """Let the live server finish the requests a closed page left in flight.

    The flush that empties the tables after a browser test takes exclusive locks; a request still running
    in one of the live server's threads holds a lock it needs and waits for one the flush holds, and
    PostgreSQL ends the deadlock by failing the flush.
    """
    from django.db import connection

    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                " AND pid <> pg_backend_pid() AND state <> 'idle'"
            )
            if cursor.fetchone()[0] == 0:
                return
            time.sleep(0.05)


def _watched_page(browser: Any, live_server: Any, request: Any, name: str, **options: Any) -> Iterator[Any]:
    context = browser.new_context(base_url=live_server.url, locale="en-GB", **options)
    context.set_default_timeout(10_000)
    if TRACE:
        context.tracing.start(screenshots=False, snapshots=True)
    context.add_init_script(CSP_LISTENER)
    page = context.new_page()
    errors: list[str] = []

    def on_console(message: Any) -> None:
        if message.type == "error" and not IGNORED_CONSOLE.match(message.text):
            errors.append(message.text)

    page.on("console", on_console)
    page.on("pageerror", lambda error: errors.append(f"Uncaught: {error}"))
    page.console_errors = errors  # type: ignore[attr-defined]
    yield page
    call = getattr(request.node, "rep_call", None)
    failed = call is None or call.failed
    try:
        if failed:
            try:
                page.screenshot(path=str(_artifact_name(request, f"__{name}.png")), full_page=True)
                _artifact_name(request, f"__{name}.html").write_text(page.content(), encoding="utf-8")
            except Exception:  # noqa: BLE001, S110 - the page may be gone; the trace still helps
                pass
        if TRACE:
            context.tracing.stop(path=str(_artifact_name(request, f"__{name}.trace.zip")) if failed else None)
    finally:
        context.close()
        _wait_for_server_requests()
    if not failed and errors and request.node.get_closest_marker("allow_console_errors") is None:
        pytest.fail(
            f"{len(errors)} browser console error(s) on the {name}:\n" + "\n".join(errors), pytrace=False
        )


@pytest.fixture
def page(browser: Any, live_server: Any, request: Any) -> Iterator[Any]:
    """A desktop-sized page (1280×860)."""
    yield from _watched_page(browser, live_server, request, "page", viewport={"width": 1280, "height": 860})


@pytest.fixture
def tablet_page(browser: Any, live_server: Any, request: Any) -> Iterator[Any]:
    """A tablet at the shop counter (820×1180, touch)."""
    yield from _watched_page(
        browser, live_server, request, "tablet_page", viewport={"width": 820, "height": 1180}, has_touch=True
    )


@pytest.fixture
def phone_page(browser: Any, live_server: Any, request: Any) -> Iterator[Any]:
    """A phone-sized, touch-enabled page, for the intranet journeys done at the counter."""
    yield from _watched_page(
        browser,
        live_server,
        request,
        "phone_page",
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        has_touch=True,
    )


@pytest.fixture
def login() -> Callable[..., None]:
    def _login(page: Any, email: str, password: str = "correct-horse-battery") -> None:  # noqa: S107
        page.goto("/accounts/login/")
        page.get_by_label("E-mail").fill(email)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_load_state("networkidle")

    return _login


@pytest.fixture
def screenshot() -> Callable[[Any, str], Path]:
    def _shot(page: Any, name: str) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        # The whole page in the window, from its top: a scrolled page would show its sticky header mid-page,
        # and Chromium does not paint a sandboxed (cross-origin) frame scrolled out of view.
        size = page.viewport_size
        height = page.evaluate("document.documentElement.scrollHeight")
        page.set_viewport_size({"width": size["width"], "height": max(height, size["height"])})
        page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(path=str(path), full_page=True)
        page.set_viewport_size(size)
        return path

    return _shot
