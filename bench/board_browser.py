"""The referrals board in a real browser, on a generated database (run bench/seed.py first):
how long until the board is usable, how long a move takes until the mover's screen shows it
and until a second viewer's screen shows it, and the backend's memory per connected board.

    PYTHONPATH=. .venv/bin/python bench/board_browser.py [--database-url URL] [--moves 30]

Serves the app with Reflex's production build (AppHarnessProd: static frontend, uvicorn
backend, in this process) and drives Debian's chromium with Playwright. Not a test: nothing is
asserted, the figures are printed. The moves are real ("Ask for consent again" on follow-up
referrals, each leaving its status-history row), so run it on a bench database, never on one
that matters.
"""

from __future__ import annotations

import argparse
import gc
import os
import re
import resource
import shutil
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.queries import DEFAULT_URL, percentile  # noqa: E402
from tests.e2e.conftest import CHROMIUM_ARGS  # noqa: E402  (the flags this machine needs)

PASSWORD = "mtkcare-demo"
# Installed in every page before its own scripts: notes when the board first becomes usable
# (a card's "Move … to…" button on screen), in ms since the navigation started.
USABLE_PROBE = """
(() => {
  const check = () => {
    if (window.__usable === undefined &&
        document.querySelector('[data-card] button[aria-label^="Move "]')) {
      window.__usable = performance.now();
    }
  };
  new MutationObserver(check).observe(document, {subtree: true, childList: true});
  // When the user pressed (a move is timed from here, not from when Playwright was asked to
  // click: it first waits for the opening menu to stop moving).
  document.addEventListener("pointerdown", () => { window.__pressed = Date.now(); }, true);
  // When each large socket message (a board's state) arrives: splits a move's time into
  // "the state reached the browser" and "the browser drew it".
  const Native = window.WebSocket;
  window.__frames = [];
  window.WebSocket = function (...args) {
    const socket = new Native(...args);
    socket.addEventListener("message", (event) => {
      if (typeof event.data === "string" && event.data.length > 20000) {
        window.__frames.push(Date.now());
      }
    });
    return socket;
  };
  window.WebSocket.prototype = Native.prototype;
  Object.assign(window.WebSocket, {CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3});
})();
"""
# Resolves with Date.now() once the target column's count has changed (the two columns a move
# changed, read again, are on screen).
COUNTED = """
(column) => { window.__counted = new Promise(resolve => {
  const badge = () => document.querySelector(`[data-count="${column}"]`);
  const before = badge() && badge().textContent;
  setTimeout(() => resolve(-1), 30000);
  const watch = new MutationObserver(() => {
    if (badge() && badge().textContent !== before) { watch.disconnect(); resolve(Date.now()); }
  });
  watch.observe(document.body, {subtree: true, childList: true, characterData: true});
}); }
"""
# Resolves with Date.now() once the card has left the column (run in a page before the move:
# the board then shows the new state; the card itself goes to the end of its new column, past
# the first 50 shown, as it is now the one waiting least).
GONE_FROM = """
([card, column]) => { window.__gone = new Promise(resolve => {
  const here = () => document.querySelector(
    `[data-column="${column}"] [data-card="${card}"]`);
  if (!here()) { resolve(Date.now()); return; }
  setTimeout(() => resolve(-1), 30000);  // never shown: reported, not waited for
  const watch = new MutationObserver(() => {
    if (!here()) { watch.disconnect(); resolve(Date.now()); }
  });
  watch.observe(document.body, {subtree: true, childList: true, attributes: true});
}); }
"""


def _rss_mib() -> float:
    """This process's resident memory now (the backend runs in it)."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _line(label: str, times: list[float]) -> None:
    print(
        f"{label:<48} p50 {percentile(times, 50):7.1f} ms  p95 {percentile(times, 95):7.1f} ms"
        f"  max {max(times):7.1f} ms  ({len(times)} runs)"
    )


def _sign_in(context: Any, base: str, username: str) -> Any:
    page = context.new_page()
    page.goto(f"{base}/login", timeout=120_000)
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.wait_for_url(re.compile(r"/clients/?$"), timeout=120_000)
    return page


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--loads", type=int, default=15, help="board loads to time")
    parser.add_argument("--moves", type=int, default=30, help="moves to time (round trips x2)")
    parser.add_argument("--viewers", type=int, default=20, help="boards open for the memory figure")
    parser.add_argument("--screenshot", default=None, help="save the loaded board as this PNG")
    args = parser.parse_args(argv)

    from playwright.sync_api import sync_playwright
    from reflex.testing import AppHarnessProd

    from mtkcare.settings import get_settings

    os.environ.update(
        {
            "DATABASE_URL": args.database_url,
            "MTKCARE_ENV": "test",
            "MTKCARE_ALLOWED_ORIGINS": "*",
            "MTKCARE_TABS_PER_ADDRESS": "100000",
            "MTKCARE_AUTH_RATE_LIMIT": "1000000",
            "MTKCARE_SIGNIN_SLOW_AFTER": "1000000",
            "MTKCARE_EVENT_BURST": "100000",
            "REFLEX_TELEMETRY_ENABLED": "false",
        }
    )
    os.environ.pop("REDIS_URL", None)
    get_settings.cache_clear()
    executable = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"

    print(f"database: {args.database_url}")
    with AppHarnessProd.create(root=ROOT, app_name="mtkcare") as harness:
        assert harness.frontend_url is not None
        base = harness.frontend_url.rstrip("/").replace("//localhost:", "//127.0.0.1:")
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=executable, headless=True, args=CHROMIUM_ARGS
            )
            _measure(browser, base, args)
            browser.close()


def _context(browser: Any) -> Any:
    context = browser.new_context(viewport={"width": 1400, "height": 900}, locale="en-NZ")
    context.add_init_script(USABLE_PROBE)
    return context


def _measure(browser: Any, base: str, args: argparse.Namespace) -> None:
    mover_context, viewer_context = _context(browser), _context(browser)
    mover = _sign_in(mover_context, base, "teamlead")
    viewer = _sign_in(viewer_context, base, "teamlead")

    # 1. Time until usable: a fresh navigation to the board, each in the same signed-in tab.
    usable: list[float] = []
    for _ in range(args.loads):
        mover.goto(f"{base}/referrals", timeout=120_000)
        mover.wait_for_function("window.__usable !== undefined", timeout=120_000)
        usable.append(float(mover.evaluate("window.__usable")))
    if args.screenshot:
        mover.screenshot(path=args.screenshot)
    viewer.goto(f"{base}/referrals", timeout=120_000)
    viewer.wait_for_function("window.__usable !== undefined", timeout=120_000)

    # 2. Moves: "Ask for consent again" on the first follow-up card, by its "Move … to…" menu,
    # timed from the click on the menu item until the card has left its column on the mover's
    # screen and on the second viewer's.
    moved: list[float] = []
    settled: list[float] = []
    seen_by_viewer: list[float] = []
    arrived: list[float] = []
    for _ in range(args.moves):
        card = mover.locator('[data-column="FOLLOW_UP"] [data-card]').first.get_attribute(
            "data-card", timeout=60_000
        )
        assert card, "no follow-up card on the board"
        on_screen = f'[data-column="FOLLOW_UP"] [data-card="{card}"]'
        viewer.locator(on_screen).wait_for(timeout=60_000)  # both show it before the move
        mover.get_by_role("button", name=f"Move {card} to…").click()
        item = mover.get_by_role("menuitem", name="Ask for consent again")
        item.wait_for(timeout=60_000)
        # Not returned (evaluate would wait for it): kept in the page, awaited after the click.
        mover.evaluate(GONE_FROM, [card, "FOLLOW_UP"])
        mover.evaluate(COUNTED, "AWAITING_CONSENT")
        viewer.evaluate(GONE_FROM, [card, "FOLLOW_UP"])
        mover.evaluate("window.__frames = []; window.__pressed = undefined")
        item.click()
        started = float(mover.evaluate("window.__pressed"))
        shown = float(mover.evaluate("window.__gone"))
        counted = float(mover.evaluate("window.__counted"))
        seen = float(viewer.evaluate("window.__gone"))
        if shown < 0 or seen < 0:
            mover.screenshot(path="/tmp/board-move-failed.png")
            raise SystemExit(
                f"{card}: the move did not show within 30 s (mover {shown}, viewer {seen})"
            )
        moved.append(shown - started)
        if counted > 0:
            settled.append(counted - started)
        seen_by_viewer.append(seen - started)
        frames = mover.evaluate("window.__frames")
        if frames:
            arrived.append(float(frames[0]) - started)
        print(
            f"  move {len(moved)}: {moved[-1]:.0f} ms, viewer {seen_by_viewer[-1]:.0f} ms",
            flush=True,
        )

    _line("board usable in the browser (navigation start)", usable)
    _line("move until the mover's screen shows it", moved)
    if arrived:
        _line("… of which until the answer reached the browser", arrived)
    if settled:
        _line("move until the target column's count shows it", settled)
    _line("move until a second viewer's screen shows it", seen_by_viewer)

    # 3. Backend memory per connected board: open more boards, each its own signed-in tab.
    mover_context.close()
    viewer_context.close()
    gc.collect()
    time.sleep(2)
    before = _rss_mib()
    contexts = []
    for _ in range(args.viewers):
        context = _context(browser)
        page = _sign_in(context, base, "teamlead")
        page.goto(f"{base}/referrals", timeout=120_000)
        page.wait_for_function("window.__usable !== undefined", timeout=120_000)
        contexts.append(context)
    gc.collect()
    time.sleep(2)
    after = _rss_mib()
    print(
        f"backend memory with {args.viewers} boards open: +{after - before:.1f} MiB "
        f"({(after - before) / args.viewers * 1024:.0f} KiB per connected board user)"
    )
    for context in contexts:
        context.close()


if __name__ == "__main__":
    main()
