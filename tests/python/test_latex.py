"""LaTeX as it comes: every snippet of a default report \\input from a
folder other than the report's compiles with pdflatex, finds its images,
overfills no box by more than 1 pt, and is set with a typesetter's signs;
the BibTeX entry beside them is the one CITATION.cff describes."""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import CITED, ROOT

needs_tex = pytest.mark.skipif(shutil.which("pdflatex") is None, reason="no TeX engine (runners/test.sh installs it)")
PREAMBLE = ("\\documentclass{article}\n\\usepackage[T1]{fontenc}\n\\usepackage{lmodern}\n"
            "\\usepackage{booktabs,longtable,graphicx}\n")


def overfull(log: str, limit_pt: float = 1.0) -> list[str]:
    """The log's overfull boxes wider than limit_pt."""
    return [m.group(0) for m in re.finditer(r"Overfull \\[hv]box \(([0-9.]+)pt too (?:wide|high)\)[^\n]*", log)
            if float(m.group(1)) > limit_pt]


def compile_doc(folder: Path, body: str) -> tuple[subprocess.CompletedProcess, str]:
    (folder / "doc.tex").write_text(PREAMBLE + "\\begin{document}\n" + body + "\n\\end{document}\n")
    for _ in range(2):  # longtable settles its column widths on the second pass
        proc = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "doc.tex"], cwd=folder,
                              capture_output=True, text=True, timeout=300)
        if proc.returncode:
            break
    log = (folder / "doc.log").read_text(errors="replace") if (folder / "doc.log").exists() else ""
    return proc, log


@pytest.fixture(scope="module")
def default_report(tmp_path_factory) -> Path:
    """The report of the committed default run, made in a folder of its own."""
    out = tmp_path_factory.mktemp("latex") / "rep"
    proc = subprocess.run([sys.executable, "-m", "locality.report", str(CITED), "-o", str(out)],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    return out


@needs_tex
def test_every_snippet_compiles_from_another_folder(default_report, tmp_path):
    other = tmp_path / "notes"
    other.mkdir()
    shutil.copytree(default_report, tmp_path / "rep")
    snippets = [Path("table.tex")] + sorted(p.relative_to(default_report) for p in
                                           (default_report / "tables").glob("*.tex")) \
        + sorted(p.relative_to(default_report) for p in (default_report / "figures").glob("*.tex"))
    assert len(snippets) > 20
    body = "\n".join(f"\\input{{../rep/{p.as_posix()}}}\n\\clearpage" for p in snippets)
    proc, log = compile_doc(other, body)
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert "not found" not in log and "File `" not in log
    assert overfull(log) == [], overfull(log)[:5]
    # each figure's image came in: one /Subtype /Image per figure in the PDF
    figures = len(list((default_report / "figures").glob("*.tex")))
    assert (other / "doc.pdf").read_bytes().count(b"/Subtype /Image") >= figures


@needs_tex
def test_the_overfull_check_says_no(tmp_path):
    proc, log = compile_doc(tmp_path, "\\begin{tabular}{l}" + "x" * 400 + "\\end{tabular}")
    assert proc.returncode == 0 and overfull(log)


def test_snippets_use_real_labels_and_typesetters_signs(default_report):
    table = (default_report / "tables" / "latency.tex").read_text()
    assert "\\begin{longtable}" in table and re.search(r"\\label\{LOC-latency-table\}", table)
    assert not re.search(r"^%.*\\label", table, re.M)  # no label left in a comment
    assert re.search(r"\d--\d", table) and not re.search(r"\d-\d", table)
    figure = (default_report / "figures" / "family-latency.tex").read_text()
    assert "\\label{LOC-latency}" in figure and "\\CurrentFilePath" in figure
    caption = re.search(r"\\caption\{(.*)\}", figure).group(1)
    assert "$\\times$" in caption and not re.search(r"\dx\b", caption) and "+-" not in caption
    assert "\\label{LOC-vector-vs-list-table}" in (default_report / "table.tex").read_text()


def test_bibtex_entry_is_the_citation_file(default_report):
    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text())
    bib = (default_report / "locality.bib").read_text()
    assert bib.count("@misc{locality,") == 1 and bib.count("{") == bib.count("}")
    assert f"title = {{{{{cff['title']}}}}}" in bib
    assert all(a["name"] in bib for a in cff["authors"])
    assert f"year = {{{str(cff['date-released'])[:4]}}}" in bib
