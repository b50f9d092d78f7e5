"""The HTML page: one self-contained file that opens in a browser with no
console error and shows every figure (Debian's Chromium, headless)."""

import re
import shutil
import subprocess
import sys

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage"]


@pytest.fixture(scope="module")
def page(real_result, tmp_path_factory):
    out = tmp_path_factory.mktemp("html") / "rep"
    proc = subprocess.run([sys.executable, "-m", "locality.report", str(real_result), "-o", str(out)],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    return out / "report.html"


def test_the_page_is_self_contained(page):
    html = page.read_text()
    figures = len(re.findall(r"<figure ", html))
    assert figures >= 10 and html.count("<svg") == figures
    # nothing fetched from anywhere: no script, no external reference
    assert "<script" not in html and not re.search(r'(src|href)="(https?:)?//', html)
    assert "Verdict: <span class=\"verdict" in html


@pytest.mark.skipif(CHROMIUM is None, reason="no Chromium (runners/test.sh installs Debian's)")
def test_chromium_renders_every_figure_without_console_errors(page, tmp_path):
    profile = tmp_path / "profile"
    shot = tmp_path / "shot.png"
    proc = subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={profile}", "--enable-logging=stderr", "--v=0",
                           "--window-size=1280,20000", f"--screenshot={shot}", page.as_uri()],
                          capture_output=True, text=True, timeout=180)
    assert shot.is_file(), proc.stderr[-2000:]
    console = [line for line in proc.stderr.splitlines() if "CONSOLE" in line or "Uncaught" in line]
    assert not console, console
    dom = subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={profile}2", "--dump-dom", page.as_uri()],
                         capture_output=True, text=True, timeout=180).stdout
    assert dom.count("<svg") == page.read_text().count("<svg") >= 10
    import matplotlib.image

    pixels = matplotlib.image.imread(shot)
    assert pixels.shape[0] >= 10000 and pixels.std() > 0.05  # a tall page with drawings on it
