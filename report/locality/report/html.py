"""The report as one self-contained HTML page a lecturer can post: figures
inline as SVG, captions with verdicts, the key numbers, warnings and the
machines. No script, no external file, no network: it opens from disk or
any web server as it is."""

from __future__ import annotations

import io
import re
from pathlib import Path

from locality.report import escape, models, units
from locality.report.findings import findings, findings_summary
from locality.report.styles import rc
from locality.report.texts import citation, clock_text, probe_text, title_of

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;max-width:72rem;margin:2rem auto;padding:0 1rem;
color:#1a1a1a;line-height:1.45}
h1{font-size:1.6rem}h2{font-size:1.25rem;margin-top:2rem;border-bottom:1px solid #ccc}
figure{margin:1.5rem 0}figure svg{max-width:100%;height:auto}
figcaption{font-size:.92rem;color:#333}
.verdict{font-weight:600;padding:0 .3em;border-radius:3px}
.agrees{background:#d9f0e3}.disagrees{background:#f7d4c8}.inconclusive{background:#f3ecc2}
table{border-collapse:collapse;font-size:.9rem}td,th{border-bottom:1px solid #ddd;padding:.2rem .6rem;text-align:right}
td:first-child,th:first-child{text-align:left}code{font-size:.88em}
.findings td,.findings th{text-align:left;vertical-align:top}
.warnings{border:1px solid #d9b44a;background:#fdf8e6;padding:.4rem 1rem;border-radius:4px}
.warnings h2{border:none;margin-top:.4rem}.details{font-size:.9rem;color:#333}
nav ol{columns:2}
"""


def _svg(figure, written: Path | None) -> str:
    """The figure as inline SVG (text as text, no XML prologue): the SVG
    file already written when there is one, else rendered now."""
    if written is not None and written.is_file():
        text = written.read_text(encoding="utf-8")
    else:
        buffer = io.StringIO()
        figure.savefig(buffer, format="svg")
        text = buffer.getvalue()
    return text[text.index("<svg"):]


def _with_verdicts(text: str) -> str:
    """Escaped text whose verdict words get a colour of their own."""
    return re.sub(r"Verdict: (agrees|disagrees|inconclusive)",
                  lambda m: f'Verdict: <span class="verdict {m[1]}">{m[1]}</span>', escape.html(text))


def _table(report) -> str:
    table = report.table
    if table.empty:
        return "<p><em>No comparison case ran.</em></p>"
    e = escape.html
    rows = ["<table><thead><tr><th>machine</th><th>layout</th><th>elements</th><th>ns per element</th>"
            "<th>95% interval</th><th>vs. baseline</th></tr></thead><tbody>"]
    for _, r in table.iterrows():
        rows.append(f"<tr><td>{e(r['machine'])}</td><td>{e(r['layout'])}</td><td>{units.count(r['elements'])}</td>"
                    f"<td>{units.number(r['value_ns'])}</td><td>{units.interval(r['ci_low'], r['ci_high'])}</td>"
                    f"<td>{units.number(r['vs_baseline'])}</td></tr>")
    rows.append("</tbody></table>")
    return "\n".join(rows)


def _models(report) -> list[str]:
    """The machine model's parameters and the table of model and
    measurement, as in the Markdown report."""
    e = escape.html
    if not report.models or not report.comparisons:
        return []
    out = ['<h2 id="models">The model beside the measurement</h2>',
           "<p>Each family's broad pale lines are what a textbook model predicts on this machine, from "
           "parameters measured in the same run.</p><ul>"]
    for series, fitted in report.models.items():
        lines = models.parameters(fitted) + [f"how: {n}" for n in fitted.notes]
        out.append(f"<li>{e(series)}<ul>" + "".join(f"<li>{e(line)}</li>" for line in lines) + "</ul></li>")
    out.append("</ul>")
    rows = models.rows(report.comparisons)
    if rows:
        head = ("Family", "Case", "Model", "Tolerance", "Within, away from the transitions", "Farthest", "Machine")
        out.append("<table><thead><tr>" + "".join(f"<th>{e(h)}</th>" for h in head) + "</tr></thead><tbody>")
        out += ["<tr>" + "".join(f"<td>{e(r[k])}</td>" for k in ("family", "case", "model", "tolerance", "within",
                                                                  "farthest", "machine")) + "</tr>" for r in rows]
        out.append("</tbody></table>")
    return out


def render_html(report, folder: Path | None = None, formats: tuple[str, ...] = ()) -> str:

    e = escape.html
    parts = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
             '<meta name="viewport" content="width=device-width, initial-scale=1">',
             f"<title>locality report: {e(', '.join(dict.fromkeys(report.labels)))}</title>",
             f"<style>{_CSS}</style></head><body>",
             "<h1>locality report</h1>",
             "<p>From " + ", ".join(f"<code>{e(Path(r.path).name)}</code>" for r in report.sources) + ".</p>"]
    found = findings(report)
    parts.append(f'<h2 id="findings">What this run found</h2><p>{e(findings_summary(found, report.movements))}</p>')
    several = len({f.series for f in found}) > 1
    if found:
        parts.append('<table class="findings"><thead><tr><th>figure</th><th>expected</th><th>measured</th>'
                     "<th>verdict</th></tr></thead><tbody>")
        parts += [f'<tr><td><a href="#{e(f.figure_id)}">{e(f.title)}</a>'
                  + (f" ({e(f.series)})" if several else "")
                  + f"</td><td>{e(f.says)}</td><td>{e(f.measured)}</td>"
                  f'<td><span class="verdict {e(f.verdict)}">{e(f.verdict)}</span></td></tr>' for f in found]
        parts.append("</tbody></table>")
    parts.append('<div class="warnings" id="warnings"><h2>Warnings</h2><ul>')
    parts += [f"<li>{e(w)}</li>" for w in report.warnings] or ["<li>none</li>"]
    parts.append("</ul></div>")
    parts.append('<nav id="contents"><h2>Contents</h2><ol>')
    parts += [f'<li><a href="#{e(entry.figure_id)}">{e(entry.figure_id)}</a>'
              + (f": {e(title_of(entry.family, report.families.get(entry.family)))}" if entry.family else "")
              + "</li>" for entry in report.figures]
    parts.append("</ol></nav>")
    parts.append("<h2>Machines</h2><ul>")
    for result, label in zip(report.sources, report.labels):
        loc = result.locality or {}
        cache_text = ", ".join(f"L{c['level']} {units.size_bytes(c['size_bytes'])}" for c in loc.get("caches", [])
                               if c.get("type") != "Instruction")
        parts.append(f"<li><strong>{e(label)}</strong>: {e(loc.get('cpu_model', 'unknown CPU'))}; caches "
                     f"{e(cache_text or 'unknown')}; clock {e(clock_text(loc))}; {e(probe_text(loc))}"
                     f"; {e(loc.get('compiler', ''))} <code>{e(loc.get('build_flags', ''))}</code>; "
                     f"locality {e(loc.get('suite_version', '?'))} <code>{e(loc.get('git_commit', '?')[:12])}</code>"
                     f"; {e(loc.get('started_utc', ''))}</li>")
    parts.append("</ul><h2>The key numbers</h2>")
    parts.append(_table(report))
    parts += _models(report)
    parts.append("<h2>Figures</h2>")
    from locality.report.write import safe_filename

    with rc(report.style):
        for entry in report.figures:
            svg = folder / f"{safe_filename(entry.name)}.svg" if folder is not None and "svg" in formats else None
            parts.append(f'<figure id="{e(entry.figure_id)}">{_svg(entry.figure, svg)}'
                         f"<figcaption><strong>{e(entry.figure_id)}.</strong> {_with_verdicts(entry.caption)}</figcaption>"
                         "</figure>" + (f'<p class="details">{_with_verdicts(entry.details)}</p>' if entry.details else ""))
    parts.append(f"<h2>How to cite</h2><p><code>{e(citation(report))}</code></p>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"
