"""The browser tests' harness: the app served by a real uvicorn in a thread, Debian's Chromium
driven by Playwright (``executable_path``: no downloaded browser), every console error and page
error collected, axe-core (the copy the pinned ``axe-playwright-python`` wheel carries, injected
from disk: no CDN) run on each page, and a screenshot of each page saved as a test artefact.

Screenshots go to ``$CREDITLINE_ARTIFACTS/screenshots`` (default ``artifacts/screenshots`` in
the checkout), named ``<journey>-<step>-<lang>.png``."""

from __future__ import annotations

import os
import re
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import uvicorn
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import ConsoleMessage, Page, sync_playwright

from creditline.adapters.db.database import SqlDatabase
from creditline.entrypoints.api.app import create_app

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = Path(os.environ.get("CREDITLINE_ARTIFACTS", ROOT / "artifacts")) / "screenshots"
#: Debian's package; ``make test`` installs it when missing.
CHROMIUM = os.environ.get("CREDITLINE_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
#: axe-core's rule tags for WCAG 2.0/2.1 A and AA (contrast included).
WCAG_AA = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@contextmanager
def live_server(db: SqlDatabase) -> Iterator[str]:
    """The app on ``db`` served by uvicorn on a free local port, for as long as the block."""
    port = free_port()
    config = uvicorn.Config(
        create_app(db, log_requests=False), host="127.0.0.1", port=port, log_level="warning"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)


@dataclass
class Tab:
    """One browser page of a journey, with what went wrong in it."""

    page: Page
    base: str
    journey: str
    console_errors: list[str] = field(default_factory=list)
    axe_violations: list[str] = field(default_factory=list)
    shots: list[Path] = field(default_factory=list)

    def go(self, path: str) -> None:
        """Open ``path``; it must answer 200 (a 404 or 403 page is a failed step)."""
        response = self.page.goto(self.base + path)
        assert response is not None
        assert response.status == 200, f"{path}: {response.status}"
        self.page.wait_for_load_state("networkidle")

    def check(self, step: str) -> None:
        """Run axe on the page as it is now, and save its screenshot."""
        self.page.wait_for_load_state("networkidle")
        found = Axe().run(self.page, options=WCAG_AA).response["violations"]
        for v in found:
            nodes = ", ".join(n["target"][0] for n in v["nodes"][:3] if n.get("target"))
            self.axe_violations.append(f"{step}: {v['id']} ({v['impact']}) at {nodes}")
        lang = "zh" if (self.page.get_attribute("html", "lang") or "").startswith("zh") else "en"
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        shot = ARTIFACTS / f"{self.journey}-{step}-{lang}.png"
        self.page.screenshot(path=str(shot), full_page=True)
        self.shots.append(shot)

    def check_both(self, step: str) -> None:
        """Check the page in Chinese and in English (the switch in the header), back to zh."""
        self.check(step)
        self.page.get_by_role("link", name="English").click()
        self.page.wait_for_load_state("networkidle")
        self.check(step)
        self.page.get_by_role("link", name="中文").click()
        self.page.wait_for_load_state("networkidle")

    def text(self, selector: str = "main") -> str:
        return self.page.inner_text(selector)

    def assert_clean(self) -> None:
        assert not self.console_errors, self.console_errors
        assert not self.axe_violations, self.axe_violations


@contextmanager
def browser_tabs(base: str, journey: str) -> Iterator[Any]:
    """A factory of fresh browser contexts (each its own cookies: one per person)."""
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM)
        tabs: list[Tab] = []

        def open_tab(*, phone: bool = False) -> Tab:
            context = chromium.new_context(
                viewport=PHONE if phone else DESKTOP, locale="zh-CN", timezone_id="Asia/Shanghai"
            )
            page = context.new_page()
            page.set_default_timeout(15_000)
            tab = Tab(page, base, journey)
            page.on("console", lambda m: _console(tab, m))
            page.on("pageerror", lambda e: tab.console_errors.append(f"pageerror: {e}"))
            tabs.append(tab)
            return tab

        try:
            yield open_tab
        finally:
            chromium.close()


def _console(tab: Tab, message: ConsoleMessage) -> None:
    if message.type == "error":
        tab.console_errors.append(f"{message.text} ({message.location.get('url', '')})")


def sign_in_with_key(tab: Tab, key: str, then: str) -> None:
    tab.go(f"/signin?next={then}")
    tab.page.get_by_label(re.compile("API 密钥|API key")).fill(key)
    tab.page.locator("form:has(input[name=key]) button[type=submit]").click()
    tab.page.wait_for_url(re.compile(re.escape(then) + "$"))


def sign_in_with_password(tab: Tab, name: str, password: str, then: str) -> None:
    tab.go(f"/signin?next={then}")
    form = tab.page.locator("form:has(input[name=password])")
    form.locator("input[name=name]").fill(name)
    form.locator("input[name=password]").fill(password)
    form.locator("button[type=submit]").click()
    tab.page.wait_for_url(re.compile(re.escape(then) + "$"))
