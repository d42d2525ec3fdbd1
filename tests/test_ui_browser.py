"""The review app end to end in a real browser: `brainweave ui` (fast profile, small
real indexes) driven by headless Chromium through Playwright. Ask a question,
wait for the hypotheses, accept one, and find the decision in SQLite.

The browser is Debian's ``chromium`` (``bash .ci/run`` installs it); Playwright
never downloads its own. A missing browser fails this test with the command that
installs it: it is not skipped. Screenshots of each page are kept in
``build/ui-e2e/`` (review-top, review-app, review-keyboard, evidence, history, brainbench,
deep-link): look at them.
"""

from __future__ import annotations

import http.server
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import pytest

from brainweave.retrieval import build_indexes
from brainweave.settings import load_settings
from tests.conftest import DATA_DIR, REPO, clean_env

QUESTION = "How does memory decline relate to Alzheimer's disease?"
SHOTS = REPO / "build" / "ui-e2e"
CARDS = "[class*='st-key-card-']"  # the hypothesis cards (st.container keys)
INSTALL = "apt-get install -y chromium (bash .ci/run installs it when missing)"


def _chromium() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        pytest.fail(f"no chromium on PATH for the browser test: {INSTALL}")
    return path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """`brainweave --profile fast ui` on a free port, in its own home with small indexes."""
    home = tmp_path_factory.mktemp("ui-e2e") / "home"
    settings = load_settings(
        profile="fast", home=home, data_dir=DATA_DIR, index={"max_docs_per_source": 150}
    )
    build_indexes(settings)
    port = _free_port()
    env = {
        **clean_env(),
        "BRAINWEAVE_HOME": str(home),
        "BRAINWEAVE_DATA_DIR": str(DATA_DIR),
        "BRAINWEAVE_INDEX__MAX_DOCS_PER_SOURCE": "150",
        "HF_HUB_OFFLINE": "1",
    }
    log = (home / "server.log").open("w")
    cmd = [sys.executable, "-m", "brainweave", "--profile", "fast", "ui", "--port", str(port)]
    proc = subprocess.Popen(
        cmd, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.time() > deadline:
                pytest.fail("the app did not start: " + (home / "server.log").read_text()[-2000:])
            time.sleep(0.3)
        yield url, home
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
        log.close()


def _run_dirs(home: Path) -> set[str]:
    runs = home / "runs"
    return {p.name for p in runs.iterdir() if p.is_dir()} if runs.is_dir() else set()


def _open_review(card: Any) -> Any:
    """Unfold a card's review form (folded by default) and return the form."""
    card.get_by_text("Review", exact=False).first.click()
    form = card.get_by_test_id("stForm")
    form.get_by_role("button", name="Save decision").wait_for(state="visible")
    return form


def test_ask_review_accept_in_chromium(server: tuple[str, Path]) -> None:
    try:
        from playwright.sync_api import TimeoutError as PlaywrightTimeout
        from playwright.sync_api import expect, sync_playwright
    except ImportError:
        pytest.fail("playwright is missing: pip install -e '.[dev]'")
    expect.set_options(timeout=60_000)  # a shared 2-core machine draws slowly
    url, home = server
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=_chromium(), headless=True, args=["--no-sandbox"]
        )
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            page.set_default_timeout(60_000)
            page.goto(url)
            name = page.get_by_label("Reviewer name")
            name.fill("Grace")
            name.press("Enter")
            page.get_by_label("Question").fill(QUESTION)
            before = _run_dirs(home)
            page.get_by_role("button", name="Ask").click()
            page.wait_for_url(re.compile(r"run="))  # the run has its URL before it ends
            try:  # the fast profile may finish before the progress is drawn: best effort
                page.get_by_text("Running (").first.wait_for(timeout=5_000)
                page.screenshot(path=str(SHOTS / "running.png"))
            except PlaywrightTimeout:
                pass
            page.reload()  # mid-run, most likely: the page must find the same job again
            cards = page.locator(CARDS)
            expect(cards.first).to_be_visible(timeout=540_000)  # 2 shared, loaded cores
            assert len(_run_dirs(home) - before) == 1, "one run, not two"
            expect(page.get_by_text("plausibility").first).to_be_visible()
            assert "run=" in page.url, "the run is in the URL"
            top = cards.first.bounding_box()
            assert top is not None and top["y"] < 450, f"the first card starts at {top['y']} px"
            page.screenshot(path=str(SHOTS / "review-top.png"))
            form = _open_review(cards.first)
            form.get_by_text("accept", exact=True).click()
            form.get_by_label("Note").fill("checked in the browser")
            form.get_by_role("button", name="Save decision").click()
            expect(page.get_by_text("accepted · Grace").first).to_be_visible(timeout=30_000)
            page.screenshot(path=str(SHOTS / "review-app.png"), full_page=True)
            # the keyboard: J moves the focus to the next card, X rejects the focused one
            page.evaluate("document.activeElement?.blur()")  # no text field has the keys
            expect(cards.nth(0)).to_have_css("outline-style", "solid")
            page.keyboard.press("j")
            expect(cards.nth(1)).to_have_css("outline-style", "solid", timeout=30_000)
            expect(cards.nth(0)).not_to_have_css("outline-style", "solid")
            page.keyboard.press("x")
            expect(cards.nth(1).get_by_text("rejected · Grace")).to_be_visible(timeout=30_000)
            expect(cards.nth(2)).to_have_css("outline-style", "solid", timeout=30_000)
            page.keyboard.press("e")
            expect(cards.nth(2).get_by_role("button", name="Save decision")).to_be_visible()
            page.screenshot(path=str(SHOTS / "review-keyboard.png"))
            page.get_by_role("tab", name="Evidence").click()
            page.wait_for_timeout(1500)
            page.screenshot(path=str(SHOTS / "evidence.png"))
            page.get_by_text("History", exact=True).click()
            expect(page.get_by_role("button", name="Open for review")).to_be_visible()
            assert "page=history" in page.url
            page.wait_for_timeout(1000)
            page.screenshot(path=str(SHOTS / "history.png"), full_page=True)
            page.get_by_text("BrainBench", exact=True).click()
            expect(page.get_by_text("Published reference points")).to_be_visible()
            expect(page.get_by_text("brainweave bench brainbench --testcases /")).to_be_visible()
            page.screenshot(path=str(SHOTS / "brainbench.png"), full_page=True)
        finally:
            browser.close()
    conn = sqlite3.connect(home / "reviews.sqlite")
    got = conn.execute(
        "SELECT run_id, decision, reviewer, note, scores FROM decisions WHERE reviewer = 'Grace'"
    ).fetchall()
    assert len(got) == 2, "the form's accept and the X key's reject"
    assert got[1][1] == "reject"
    run_id, decision, reviewer, note, scores = got[0]
    assert (decision, reviewer, note) == ("accept", "Grace", "checked in the browser")
    assert (home / "runs" / run_id / "provenance.json").is_file()
    assert '"plausibility"' in scores


class _Tracker(http.server.BaseHTTPRequestHandler):
    hits: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        _Tracker.hits.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


def test_a_deep_link_opens_the_run_and_no_passage_fetches_a_url(
    server: tuple[str, Path],
) -> None:
    """A run opened from its URL alone; passages, findings, statements, titles and notes
    carrying an image link and an <img> are shown as text: the browser fetches nothing
    (issue 16, item 8)."""
    from playwright.sync_api import expect, sync_playwright

    from brainweave.graphs.run import ask
    from tests.test_ui_app import poison

    expect.set_options(timeout=60_000)

    url, home = server
    tracker = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Tracker)
    port = tracker.server_address[1]
    threading.Thread(target=tracker.serve_forever, daemon=True).start()
    payload = (
        f"![x](http://127.0.0.1:{port}/track.png?leak=1) "
        f'<img src="http://127.0.0.1:{port}/img.png"> [go](javascript:alert(1))'
    )
    settings = load_settings(
        profile="fast", home=home, data_dir=DATA_DIR, index={"max_docs_per_source": 150}
    )
    run_id = ask(QUESTION, settings=settings).run_id
    poison(home / "runs" / run_id / "provenance.json", payload)
    _Tracker.hits.clear()
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(
                executable_path=_chromium(), headless=True, args=["--no-sandbox"]
            )
            try:
                page = browser.new_page(viewport={"width": 1400, "height": 900})
                page.set_default_timeout(60_000)
                page.goto(f"{url}/?run={run_id}&reviewer=Linus")
                expect(page.locator(CARDS).first).to_be_visible()
                expect(page.get_by_label("Reviewer name")).to_have_value("Linus")
                expect(page.get_by_text("track.png?leak=1").first).to_be_visible()
                page.screenshot(path=str(SHOTS / "deep-link.png"))
                for tab in ("Evidence", "Agents' exchange", "Report & export"):
                    page.get_by_role("tab", name=tab).click()
                    page.wait_for_timeout(700)
                page.screenshot(path=str(SHOTS / "deep-link-exchange.png"))
                page.goto(f"{url}/?page=history&run={run_id}")
                expect(page.get_by_role("button", name="Open for review")).to_be_visible()
                page.wait_for_timeout(1500)
                assert page.locator(f"img[src*='127.0.0.1:{port}']").count() == 0
                assert page.locator("a[href^='javascript']").count() == 0
            finally:
                browser.close()
    finally:
        tracker.shutdown()
    assert _Tracker.hits == [], f"the page fetched {_Tracker.hits}"


def test_two_tabs_saving_at_once_lose_nothing(server: tuple[str, Path]) -> None:
    """Two browser tabs (two Streamlit sessions) review the same run and save together."""
    from playwright.sync_api import expect, sync_playwright

    from brainweave.graphs.run import ask

    url, home = server
    settings = load_settings(
        profile="fast", home=home, data_dir=DATA_DIR, index={"max_docs_per_source": 150}
    )
    run_id = ask(QUESTION, settings=settings).run_id  # the newest run, opened from History
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=_chromium(), headless=True, args=["--no-sandbox"]
        )
        try:
            tabs = []
            for who in ("Tab One", "Tab Two"):
                page = browser.new_page(viewport={"width": 1400, "height": 1600})
                page.set_default_timeout(60_000)
                page.goto(url)
                page.get_by_label("Reviewer name").fill(who)
                page.get_by_label("Reviewer name").press("Enter")
                page.get_by_text("History", exact=True).click()
                page.get_by_role("button", name="Open for review").click()
                expect(page.locator(CARDS).first).to_be_visible()
                tabs.append(page)
            forms = []
            for page, choice in zip(tabs, ("reject", "accept"), strict=True):
                form = _open_review(page.locator(CARDS).first)
                form.get_by_text(choice, exact=True).click()
                forms.append(form)
            for form in forms:  # both saves are in flight together
                form.get_by_role("button", name="Save decision").click(no_wait_after=True)
            rows: list[tuple[str, str, str]] = []
            deadline = time.time() + 30
            while len(rows) < 2 and time.time() < deadline:
                time.sleep(0.5)
                with sqlite3.connect(home / "reviews.sqlite") as conn:
                    rows = conn.execute(
                        "SELECT reviewer, decision, run_id FROM decisions "
                        "WHERE reviewer LIKE 'Tab %'"
                    ).fetchall()
            for page in tabs:  # each tab shows the latest decision, whoever made it
                expect(
                    page.get_by_text(re.compile(r"(accepted|rejected) · Tab")).first
                ).to_be_visible()
            tabs[0].screenshot(path=str(SHOTS / "two-tabs.png"), full_page=True)
        finally:
            browser.close()
    assert sorted(rows) == [("Tab One", "reject", run_id), ("Tab Two", "accept", run_id)]
