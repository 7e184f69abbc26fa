"""Browser tests: Playwright's sync API driving Debian's Chromium against a live server.

Run with ``make browser-test``. Without /usr/bin/chromium every browser test is skipped; without
node_modules/axe-core (``npm ci``) only the accessibility checks are.
"""

import os

# Playwright's sync API runs an event loop in this thread; Django refuses database access from a
# thread with a running loop unless told the code is in fact synchronous, which it is here.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

import re  # noqa: E402
from contextlib import contextmanager  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402
from django.contrib.auth.models import Group  # noqa: E402
from django.core.management import call_command  # noqa: E402

from meetings.roles import EDITOR  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
AXE_SCRIPT = ROOT / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 360, "height": 740}
STAFF_PASSWORD = "a-long-password-1"

# The elements that stick out past the right edge of the viewport, to say what to fix.
OVERFLOWING_ELEMENTS = """
() => {
  const width = document.documentElement.clientWidth;
  const found = [];
  for (const element of document.querySelectorAll("body *")) {
    const box = element.getBoundingClientRect();
    if (box.right > width + 1 && box.width > 0) {
      const classes = element.className && typeof element.className === "string"
        ? "." + element.className.trim().split(/\\s+/).join(".") : "";
      found.push(`${element.tagName.toLowerCase()}${classes} (right edge ${Math.round(box.right)} px)`);
    }
  }
  return found.slice(0, 10);
}
"""


def pytest_collection_modifyitems(config, items):
    if CHROMIUM.exists():
        return
    skip = pytest.mark.skip(
        reason=f"Chromium is not installed at {CHROMIUM} (apt-get install chromium): browser tests skipped"
    )
    for item in items:
        if item.get_closest_marker("browser"):
            item.add_marker(skip)


@pytest.fixture(scope="session")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def new_page(browser, viewport):
    # bypass_csp: axe-core is injected as an inline script, which the site's policy rightly forbids.
    context = browser.new_context(viewport=viewport, bypass_csp=True, locale="en-GB")
    context.set_default_timeout(15_000)
    return context.new_page()


@pytest.fixture
def page(browser):
    """A desktop-sized page (1280 px wide)."""
    page = new_page(browser, DESKTOP)
    yield page
    page.context.close()


@pytest.fixture
def phone_page(browser):
    """A phone-sized page (360 px wide)."""
    page = new_page(browser, PHONE)
    yield page
    page.context.close()


@pytest.fixture
def site(live_server, transactional_db):
    """The live server's address, with the demo record loaded."""
    call_command("loaddata", "reference", "demo", verbosity=0)
    return live_server.url


def staff_member(django_user_model, username, group_name):
    """A staff member called ``username`` in the role's group ``group_name``, password ``STAFF_PASSWORD``."""
    user = django_user_model.objects.create_user(
        username, f"{username}@example.org", STAFF_PASSWORD, is_staff=True
    )
    user.groups.add(Group.objects.get(name=group_name))
    return user


def log_in(page, site, username):
    """Log ``page`` in to the admin as the staff member ``username``."""
    page.goto(site + "/admin/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(STAFF_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"/admin/$"))


@contextmanager
def pages_logged_in(browser, site, username):
    """Opens pages (``open_page(viewport)``) logged in as ``username``; all closed at the end."""
    pages = []

    def open_page(viewport):
        page = new_page(browser, viewport)
        log_in(page, site, username)
        pages.append(page)
        return page

    try:
        yield open_page
    finally:
        for page in pages:
            page.context.close()


@pytest.fixture
def editor_page(browser, site, django_user_model):
    """Opens pages (``editor_page(viewport)``) logged in to the admin as a member of the editors."""
    staff_member(django_user_model, "editor", EDITOR)
    with pages_logged_in(browser, site, "editor") as open_page:
        yield open_page


@pytest.fixture
def screenshot():
    """Save a full-page screenshot as test-artifacts/screenshots/<name>-<width>.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def save(page, name):
        path = SCREENSHOTS / f"{name}-{page.viewport_size['width']}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return save


def format_violations(violations):
    lines = []
    for violation in violations:
        impact, rule = violation["impact"], violation["id"]
        lines.append(f"[{impact}] {rule}: {violation['help']} ({violation['helpUrl']})")
        for node in violation["nodes"][:5]:
            target = " ".join(str(part) for part in node["target"])
            summary = " ".join(node.get("failureSummary", "").split())
            lines.append(f"    at {target}: {summary}")
        if len(violation["nodes"]) > 5:
            lines.append(f"    ... and {len(violation['nodes']) - 5} more")
    return "\n".join(lines)


def check_page(page, screenshot, axe_violations, name):
    """Screenshot; no serious accessibility violation; at a phone's width, no sideways scroll."""
    screenshot(page, name)
    violations = axe_violations(page)
    assert not violations, f"axe-core found serious or critical violations on {page.url}:\n{violations}"
    width = page.viewport_size["width"]
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    overflowing = page.evaluate(OVERFLOWING_ELEMENTS) if scroll_width > width else []
    assert scroll_width <= width, (
        f"{page.url} is {scroll_width} px wide at {width} px; sticking out: {overflowing}"
    )


@pytest.fixture
def axe_violations():
    """Run axe-core on the page; return its serious and critical violations, readably formatted."""
    if not AXE_SCRIPT.exists():
        pytest.skip(f"{AXE_SCRIPT.relative_to(ROOT)} is missing (run npm ci): accessibility checks skipped")

    def run(page):
        page.add_script_tag(path=str(AXE_SCRIPT))
        results = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
        serious = [v for v in results["violations"] if v["impact"] in ("serious", "critical")]
        return format_violations(serious)

    return run
