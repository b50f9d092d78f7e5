"""The HTML page: one self-contained file that opens in a browser with no
console error and shows every figure (Debian's Chromium, headless)."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
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


def section_order(html: str) -> list[str]:
    return re.findall(r"<h2[^>]*>([^<]*)</h2>", html)


def test_the_page_opens_with_what_the_run_found(page, real_result):
    """Findings first (every check with its verdict), warnings in one box
    after them, then the contents, then the families."""
    from locality.report import load_result
    from locality.report.document import build_report

    html = page.read_text()
    order = section_order(html)
    assert order[:3] == ["What this run found", "Warnings", "Contents"], order
    report = build_report([load_result(real_result)])
    checks = sum(len(c.results) for per in report.checks.values() for c in per.values())
    findings = re.search(r'<table class="findings">(.*?)</table>', html, re.S).group(1)
    assert findings.count("<tr>") == 1 + checks and checks > 20
    assert html.count('class="warnings"') == 1
    assert html.index('class="warnings"') < html.index('id="contents"') < html.index("<figure ")
    contents = re.search(r'<nav id="contents">(.*?)</nav>', html, re.S).group(1)
    assert contents.count("<li>") == html.count("<figure ")
    # a page that opened with the machines would be said
    assert section_order("<h2>Machines</h2><h2>What this run found</h2>")[0] != "What this run found"


def test_captions_are_short_and_the_long_text_sits_beside_them(page):
    html = page.read_text()
    captions = [re.sub(r"<[^>]+>", "", c) for c in re.findall(r"<figcaption>(.*?)</figcaption>", html, re.S)]
    assert captions and max(len(c) for c in captions) <= 600, max(captions, key=len)
    assert html.count('<p class="details">') >= 10
    assert "Expected:" not in "".join(captions) and "Expected:" in html


def _tall_screenshot(page, folder, name):
    shot = folder / f"{name}.png"
    subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={folder / (name + '-profile')}", "--window-size=1280,20000",
                    f"--screenshot={shot}", page.as_uri()], capture_output=True, text=True, timeout=180)
    assert shot.is_file()
    import matplotlib.image

    return matplotlib.image.imread(shot)[:, :, :3]


@pytest.mark.skipif(CHROMIUM is None, reason="no Chromium (runners/test.sh installs Debian's)")
def test_screenshots_of_the_top_of_the_page_and_of_a_family(page, tmp_path):
    """What a reader sees first (a 1280 x 900 window at the top) and at a
    family's figure, cut from one rendering of the page; a copy with the
    figure outlined in magenta says where the figure starts (an outline
    changes no layout). The screenshots go to $LOCALITY_SCREENSHOTS when
    set, to be looked at."""
    import matplotlib.image

    html = page.read_text()
    family = re.search(r'<figure id="(LOC-[a-z_]+)"', html[html.index('id="contents"'):])[1]
    marked = page.with_name("marked.html")
    marked.write_text(html.replace("</head>", f"<style>#{family}{{outline:4px solid #ff00ff;outline-offset:-4px}}"
                                              "</style></head>", 1))
    shown = _tall_screenshot(page, tmp_path, "page")
    outlined = _tall_screenshot(marked, tmp_path, "marked")
    magenta = (outlined[:, :, 0] > 0.9) & (outlined[:, :, 1] < 0.1) & (outlined[:, :, 2] > 0.9)
    rows = np.where(magenta.sum(axis=1) > 200)[0]
    assert rows.size, f"{family} not found on the page"
    top, at_family = shown[:900], shown[rows[0]:rows[0] + 900]
    assert top.std() > 0.05 and at_family.std() > 0.05  # text and drawings, not a blank window
    assert np.abs(top - at_family).mean() > 0.02
    # the figure is drawn where the outline says: the first rows under it hold its picture
    assert shown[rows[0] + 20:rows[0] + 420].std() > 0.05
    folder = Path(os.environ.get("LOCALITY_SCREENSHOTS", tmp_path))
    folder.mkdir(parents=True, exist_ok=True)
    matplotlib.image.imsave(folder / "report-top.png", top)
    matplotlib.image.imsave(folder / f"report-{family}.png", at_family)
