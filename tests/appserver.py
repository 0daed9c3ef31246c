"""The real dashboard for browser tests: `streamlit run dashboard.py` on a free port, on its own database.

    from appserver import AppServer, launch_chromium, serve

    @pytest.fixture
    def server(tmp_path):
        with serve(tmp_path) as running:
            yield running

`serve` starts the server as a subprocess with INDICATORS_DB_URL pointing at a fresh SQLite file
(or at `db_url` when given; fill it before or while the server runs), waits for /_stcore/health and
stops the server afterwards. `launch_chromium` starts Debian's chromium through Playwright.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
START_TIMEOUT = 60


@dataclass(frozen=True)
class AppServer:
    """A running dashboard: its address, its database and the file its output goes to."""

    url: str
    db_url: str
    log: Path

    def log_tail(self, chars: int = 4000) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")[-chars:]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def _stop(proc: subprocess.Popen) -> None:
    """Stop the server and anything it started (it leads its own process group)."""
    if proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)


@contextlib.contextmanager
def serve(
    workdir: Path, db_url: str | None = None, env: dict[str, str] | None = None, script: Path | None = None
) -> Iterator[AppServer]:
    """Run the dashboard (or another script) until the block ends; its log and database live in workdir."""
    script = script or ROOT / "dashboard.py"
    workdir.mkdir(parents=True, exist_ok=True)
    db_url = db_url or f"sqlite:///{workdir / 'dashboard.sqlite3'}"
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = workdir / f"streamlit-{port}.log"
    environment = {**os.environ, "INDICATORS_DB_URL": db_url, "PYTHONUNBUFFERED": "1", **(env or {})}
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(script),
        "--server.port",
        str(port),
        "--server.address",
        "127.0.0.1",
        "--server.headless",
        "true",
        "--server.fileWatcherType",
        "none",
        "--browser.gatherUsageStats",
        "false",
    ]
    with log.open("wb") as out:
        proc = subprocess.Popen(
            command, cwd=script.parent, env=environment, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    server = AppServer(url, db_url, log)
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while not _healthy(url):
            if proc.poll() is not None:
                raise RuntimeError(f"streamlit exited with code {proc.returncode}:\n{server.log_tail()}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"streamlit did not answer on {url} within {START_TIMEOUT} s:\n{server.log_tail()}")
            time.sleep(0.2)
        yield server
    finally:
        _stop(proc)


def launch_chromium(playwright):  # type: ignore[no-untyped-def]
    """Debian's chromium, headless, without sandbox or background traffic (never `playwright install`)."""
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


def full_screenshot(page, name: str) -> Path:  # type: ignore[no-untyped-def]
    """The whole page at its current width, kept in test-artifacts/screenshots/NAME.png.

    Streamlit scrolls inside its main section, so the window grows to fit it first (and is restored).
    """
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    size = page.viewport_size
    height, last = 0, -1
    for _ in range(30):  # until the page stops growing: cards and tables render after the script ends
        height = page.evaluate("() => document.querySelector('[data-testid=stMain]').scrollHeight")
        if height == last:
            break
        last = height
        page.wait_for_timeout(300)
    page.set_viewport_size({"width": size["width"], "height": min(int(height) + 40, 12_000)})
    page.wait_for_timeout(500)  # plotly redraws on resize
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    page.set_viewport_size(size)
    return path


@contextlib.contextmanager
def serve_sample(workdir: Path) -> Iterator[AppServer]:
    """The dashboard on a fresh SQLite file holding the sample ledgers (`python -m indicators sample`)."""
    db_url = f"sqlite:///{workdir / 'indicators.sqlite3'}"
    env = {**os.environ, "INDICATORS_DB_URL": db_url}
    loaded = subprocess.run(
        [sys.executable, "-m", "indicators", "sample"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert loaded.returncode == 0, loaded.stderr
    with serve(workdir, db_url) as running:
        yield running
