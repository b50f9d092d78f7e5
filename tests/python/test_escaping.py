"""Every string that came from a result file is inert in every output: a
result whose every string field holds the special characters of Markdown,
LaTeX and HTML renders to a report.md with no live HTML, a report.html with
no live element, and LaTeX snippets that compile."""

import json
import re
import shutil
import subprocess
import sys

import pytest

from conftest import load_json
from locality.report import escape

NASTY = r"""<img src=x onerror=alert(1)> `tick` $x^2$ \ \\ & % # _ { } ~ ^ | < > "q" 'a' *b* [l](u)"""


def poison(value, depth=0):
    """Every string of a JSON value with the nasty text appended, except
    names the contract fixes (benchmark names, enums, numbers)."""
    if isinstance(value, dict):
        return {k: (v if k in KEEP else poison(v, depth + 1)) for k, v in value.items()}
    if isinstance(value, list):
        return [poison(v, depth + 1) for v in value]
    if isinstance(value, str):
        return value + " " + NASTY
    return value


KEEP = {"name", "run_name", "run_type", "time_unit", "aggregate_name", "aggregate_unit", "schema", "backend",
        "type", "role", "statistic", "metric", "kind", "at", "to", "match", "cases", "counter", "hook",
        "cache_source", "families", "started_utc", "series", "gap_buckets", "claims"}


@pytest.fixture(scope="module")
def poisoned_report(real_result, tmp_path_factory):
    data = load_json(real_result)
    loc = data["context"]["locality"]
    for key in ("host", "cpu_model", "compiler", "build_flags", "kernel", "git_commit", "suite_version"):
        loc[key] = loc[key] + " " + NASTY
    loc["warnings"] = [NASTY]
    for family in loc["families"].values():
        family["expected"] += " " + NASTY
        family["demonstrates"] += " " + NASTY
        for c in family["cases"]:
            c["label"] += " " + NASTY
            c["summary"] += " " + NASTY
        for claim in family["claims"]:
            claim["says"] += " " + NASTY
    folder = tmp_path_factory.mktemp("poison")
    path = folder / "poisoned.json"
    path.write_text(json.dumps(data))
    out = folder / "rep"
    proc = subprocess.run([sys.executable, "-m", "locality.report", str(path), "-o", str(out), "--pdf"],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    return out


def test_markdown_is_inert(poisoned_report):
    md = (poisoned_report / "report.md").read_text()
    # Inside a fenced block or a code span (a run of backticks, the text,
    # the same run) "<img" is shown as text by every Markdown renderer;
    # outside them it must be escaped.
    outside = re.sub(r"^(```+)\n.*?^\1$", "", md, flags=re.MULTILINE | re.DOTALL)
    outside = re.sub(r"(?<!`)(`+)(?!`).+?(?<!`)\1(?!`)", "", outside)
    assert "`" not in outside.replace("\\`", ""), "a code span left open"
    assert "<img" not in outside and "<" not in outside.replace("<!--", "")
    assert "&lt;img src=x onerror=alert\\(1\\)&gt;" in md
    # code spans hold backticks and stay one span
    for line in md.splitlines():
        if line.lstrip().startswith("- build:"):
            assert re.search(r"``+[^`].*`tick`.*[^`]``+", line), line


def test_html_page_is_inert(poisoned_report):
    page = (poisoned_report / "report.html").read_text()
    assert "<img" not in page and "<script" not in page.lower()
    assert "&lt;img src=x onerror=alert(1)&gt;" in page


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="no TeX engine (runners/test.sh installs it)")
def test_latex_snippets_compile(poisoned_report, tmp_path):
    inputs = [p for p in sorted((poisoned_report / "tables").glob("*.tex"))]
    inputs += [p for p in sorted((poisoned_report / "figures").glob("*.tex"))]
    body = "\n".join(f"\\input{{{p}}}" for p in [poisoned_report / "table.tex"] + inputs)
    doc = tmp_path / "doc.tex"
    doc.write_text("\\documentclass{article}\\usepackage[T1]{fontenc}\\usepackage{lmodern}"
                   "\\usepackage{booktabs,longtable,graphicx}"
                   f"\\begin{{document}}\n{body}\n\\end{{document}}\n")
    proc = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", doc.name], cwd=tmp_path,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert (tmp_path / "doc.pdf").stat().st_size > 10_000


def test_escape_functions():
    assert escape.latex("a\\b") == r"a\textbackslash{}b"
    assert escape.latex("\\\\") == r"\textbackslash{}\textbackslash{}"
    assert escape.latex("<|>") == r"\textless{}\textbar{}\textgreater{}"
    assert escape.markdown("<b>") == "&lt;b&gt;"
    assert escape.markdown("a_b*c") == r"a\_b\*c"
    assert escape.markdown_code("a`b") == "``a`b``"
    assert escape.html('"<&>"') == "&quot;&lt;&amp;&gt;&quot;"
