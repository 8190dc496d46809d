"""A page in the system's Chromium, driven by Playwright: the browser tests' fixture.

The browser is the one the system package manager installed (``chromium`` on
PATH; Debian's package in CI); Playwright is never allowed to download one.
Without it (or without Playwright) the browser tests skip with a one-line
reason, unless ``AUTOGRAD_TINY_REQUIRE_BROWSER=1`` is set (as ``.ci/run``
does): then they fail.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from typing import Any, NoReturn

import pytest

REQUIRE = "AUTOGRAD_TINY_REQUIRE_BROWSER"
BROWSER_NAMES = ("chromium", "chromium-browser")


def missing(reason: str) -> NoReturn:
    """Skip, or fail when the environment requires a browser."""
    if os.environ.get(REQUIRE) == "1":
        pytest.fail(f"{reason} ({REQUIRE}=1)", pytrace=False)
    pytest.skip(reason)


def system_chromium() -> str | None:
    """The system Chromium's executable, or None."""
    return next(filter(None, map(shutil.which, BROWSER_NAMES)), None)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """The system Chromium, headless, for the whole session."""
    executable = system_chromium()
    if executable is None:
        missing("no system Chromium on PATH (Debian: apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing("Playwright for Python is not installed (pip install -e '.[test]')")
    # An empty browser directory: Playwright finds no browser of its own, downloads none.
    os.environ["PLAYWRIGHT_BROWSERS_PATH"] = tempfile.mkdtemp(prefix="no-browsers-")
    os.environ["PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD"] = "1"
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, headless=True)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A fresh page (its own context) of a fixed size, closed after the test."""
    context = browser.new_context(viewport={"width": 1000, "height": 700}, device_scale_factor=1)
    try:
        yield context.new_page()
    finally:
        context.close()
