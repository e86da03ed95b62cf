"""The chat page at / in a real headless Chromium (Debian's), driven by Playwright."""

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import sync_playwright

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SCREENSHOT_DIR = Path(os.environ.get("CSBOT_SCREENSHOTS", Path(__file__).parent.parent / "build"))
FLAGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    process = subprocess.Popen(
        [sys.executable, "-m", "csbot.cli", "serve", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(url + "readyz").status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.mark.slow
def test_typing_a_message_shows_the_answer_and_the_agent_view(server: str) -> None:
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        page = browser.new_page(viewport={"width": 1100, "height": 700})
        page.goto(server)
        page.fill("#text", "收到的杯子裂了一道缝 怎么处理")
        page.click("#send")
        page.wait_for_selector(".msg.bot")
        first = page.locator(".msg.bot").last
        assert first.get_attribute("data-intent") == "quality"
        assert "售后" in first.inner_text()
        page.fill("#text", "<b>转人工</b> 我手机13812345678")
        page.press("#text", "Enter")
        page.wait_for_selector(".handoff")
        assert page.locator(".msg.customer").last.inner_text() == "<b>转人工</b> 我手机13812345678"
        assert "requested" in page.inner_text("#h-reason")
        assert "138****5678" in page.inner_text("#agent")
        assert "13812345678" not in page.inner_text("#agent")
        page.screenshot(path=str(SCREENSHOT_DIR / "chat-page.png"))
        browser.close()
    assert (SCREENSHOT_DIR / "chat-page.png").stat().st_size > 10_000
