"""A real Streamlit server driven by Debian's Chromium: helpers that read like a user's steps."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

from msap_stats.serve import free_port  # the servers of the tests take their ports as a deployment does
from msap_stats.bench import LATER_DRAWN  # a page at rest: its parts drawn later are drawn too

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage"]
APP_IDLE = "[data-testid='stApp'][data-test-script-state='notRunning']"
MISSING_CHROMIUM = "Chromium absent (/usr/bin/chromium) : « make test » l'installe avec apt-get quand il le peut"


def chromium_available() -> bool:
    return Path(CHROMIUM).exists()




@contextmanager
def streamlit_server(db: Path, contours: Path | None = None, timeout: float = 60, port: int | None = None,
                     args: tuple[str, ...] = (), warm: bool = False, script: Path = ROOT / "dashboard.py"):
    """``streamlit run dashboard.py`` (or ``script``) on a free port of 127.0.0.1 (or ``port``), until
    /_stcore/health answers; with ``warm``, warmed up at start as a deployment's processes are (``serve.warm_up``),
    until it rests."""
    port = port or free_port()
    if warm:
        args = (*args, "--server.scriptHealthCheckEnabled", "true")
    env = {**os.environ, "MSAP_DB": str(db)}
    if contours:
        env["MSAP_CONTOURS"] = str(contours)
    log = open(db.with_suffix(".streamlit.log"), "w")
    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", str(script), "--server.port", str(port),
                             "--server.address", "127.0.0.1", "--server.headless", "true",
                             "--browser.gatherUsageStats", "false", *args], cwd=ROOT, env=env, stdout=log,
                            stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                    if r.read().strip() == b"ok":
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"streamlit did not start: {db.with_suffix('.streamlit.log').read_text()}")
            time.sleep(0.3)
        if warm:
            from msap_stats import serve

            serve.warm_up(url).join()
            resting(proc.pid)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def resting(pid: int, quiet: float = 1.0, timeout: float = 120) -> None:
    """Wait until the process has used no CPU for ``quiet`` seconds (its background work done)."""
    def used() -> float:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])  # utime + stime, in clock ticks

    deadline, last, since = time.monotonic() + timeout, used(), time.monotonic()
    while time.monotonic() < deadline:
        time.sleep(0.2)
        now = used()
        if now != last:
            last, since = now, time.monotonic()
        elif time.monotonic() - since >= quiet:
            return


@contextmanager
def chromium_page(width: int = 1440, height: int = 1000):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            with _profile(browser, width, height, "fr-FR") as page:
                yield page
        finally:
            browser.close()


@contextmanager
def another_browser(page, width: int = 1440, height: int = 1000, locale: str = "fr-FR"):
    """A new browser profile (no cookie, no session) next to ``page``'s: as a colleague opening a link."""
    with _profile(page.context.browser, width, height, locale) as other:
        yield other


@contextmanager
def _profile(browser, width: int, height: int, locale: str):
    context = browser.new_context(viewport={"width": width, "height": height}, locale=locale,
                                  timezone_id="Europe/Paris")
    page = context.new_page()
    page.set_default_timeout(60_000)
    try:
        yield page
    finally:
        context.close()


# A reader never still (plus_tard.js takes turns through ``window.msapPlusTardTour``): a part drawn later waits for
# its place to come on screen, never for the page's rest, however slow the machine is at the test's own checks;
# ``RESTING`` gives the turn back (a place that comes on screen then asks at once).
RESTLESS = "() => { (window.msapPlusTardTour ??= {free: 0}).free = performance.now() + 3600e3; }"
RESTING = "() => { window.msapPlusTardTour.free = 0; }"


def accessibility_faults(page) -> list[str]:
    """axe-core's serious and critical violations of the page as it stands (RGAA / WCAG 2.1 AA rules)."""
    from axe_playwright_python.sync_playwright import Axe

    result = Axe().run(page, options={"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a",
                                                                            "wcag21aa", "best-practice"]}})
    return [f"{v['id']} ({v['impact']}) : {v['help']} — {[n['target'] for n in v['nodes'][:3]]}"
            for v in result.response["violations"] if v["impact"] in ("serious", "critical")]


def wait_for_app(page, min_charts: int = 0, timeout: float = 60) -> None:
    """Wait until the script has finished and the charts it produced are drawn, the parts drawn later too (a page at
    rest: no run of theirs comes in the middle of what the test does next)."""
    deadline = time.monotonic() + timeout
    page.wait_for_selector(APP_IDLE, state="attached")
    while time.monotonic() < deadline:
        idle = page.locator(APP_IDLE).count() == 1
        running = page.locator("[data-testid='stStatusWidget']").count()
        drawn = drawn_charts(page)
        charts = page.locator("[data-testid='stPlotlyChart']").count()
        later_drawn = page.evaluate(LATER_DRAWN)
        if idle and not running and later_drawn and drawn >= max(min_charts, 1 if charts else 0) and drawn >= charts:
            time.sleep(0.4)  # let plotly finish its layout
            if page.locator(APP_IDLE).count() == 1:
                return
        time.sleep(0.25)
    raise TimeoutError(f"page not ready: {page.url}")


@contextmanager
def oidc_provider(accounts: dict[str, dict]):
    """A local OpenID Connect provider (oidc-provider-mock) on 127.0.0.1 holding ``accounts`` (sub -> its claims);
    yields its address."""
    from urllib.parse import quote

    import httpx
    import oidc_provider_mock

    with oidc_provider_mock.run_server_in_thread() as server:
        url = f"http://localhost:{server.server_port}"
        for sub, claims in accounts.items():
            assert httpx.put(f"{url}/users/{quote(sub)}", json=claims).status_code == 204
        yield url


def login(page, url: str, sub: str) -> None:
    """Log in through the dashboard's button and the local OpenID Connect provider's form (oidc-provider-mock), as
    the account ``sub``; back on the dashboard, its page drawn."""
    page.goto(url)
    page.get_by_role("button", name="Se connecter").click()
    page.get_by_placeholder("sub").fill(sub)
    page.get_by_role("button", name="Authorize").click()
    page.wait_for_url(f"{url}/**", timeout=60_000)
    wait_for_app(page)


def exceptions(page) -> list[str]:
    return page.locator("[data-testid='stException']").all_inner_texts()


DRAWN = "g.trace, .heatmaplayer image, path.choroplethlocation, .scattergeo path.point"


def drawn_charts(page) -> int:
    """Plotly charts that have drawn at least one trace (bars, lines, heatmap cells, map shapes or points)."""
    return page.locator(".js-plotly-plot").evaluate_all(f"els => els.filter(e => e.querySelector('{DRAWN}')).length")


def open_page(page, title: str, min_charts: int = 0) -> None:
    page.locator("[data-testid='stSidebarNav'] a", has_text=title).first.click()
    page.wait_for_timeout(300)
    wait_for_app(page, min_charts)


def choose_in_multiselect(page, label: str, option: str) -> None:
    box = page.locator("[data-testid='stMultiSelect']", has_text=label).first
    box.locator("input").click()
    page.keyboard.type(option)
    page.locator("[role='option']", has_text=option).first.click()
    page.keyboard.press("Escape")
    page.wait_for_timeout(300)


def screenshot(page, name: str) -> Path:
    """The whole page: Streamlit scrolls an inner container, so the viewport is grown to its height first."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    size = page.viewport_size
    height = page.evaluate("() => Math.max(...[...document.querySelectorAll('[data-testid=stMain], "
                           "[data-testid=stAppViewContainer], section')].map(e => e.scrollHeight))")
    page.set_viewport_size({"width": size["width"], "height": max(size["height"], int(height) + 40)})
    page.wait_for_timeout(800)
    wait_for_app(page)
    page.screenshot(path=str(path), full_page=True)
    page.set_viewport_size(size)
    return path
