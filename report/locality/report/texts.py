"""Sentences the Markdown and HTML pages share: the throughput probe in a
few words, and how to cite a figure."""

from __future__ import annotations

from pathlib import Path

from locality.report import units


# No core runs outside these clocks (the fastest turbo sold is about 6.2 GHz):
# a probe beyond them did not run one add per cycle (an add-immediate chain
# on Intel cores from Golden Cove on, in files of version 0.2.0).
PLAUSIBLE_GHZ = (0.2, 7.0)


def _probes(loc: dict) -> dict[str, float]:
    clock = loc.get("clock") or {}
    found = {w: (clock.get(w) or {}).get("ghz") for w in ("before", "after")}
    return {w: float(g) for w, g in found.items() if isinstance(g, (int, float)) and g > 0}


# Probes before and after the run further apart than this: the clock moved.
CLOCK_MOVED = 1.05


def probed_ghz(loc: dict) -> float | None:
    """The core's clock for converting times to cycles: the faster of the
    probes before and after the run. A probe that shared its core with
    other work (a busy host, a vCPU descheduled) counts fewer adds per
    nanosecond, never more, so the slower one is the disturbed one: taken
    alone, it gave an L1 hit of 3.7 cycles on a core whose L1 takes 4."""
    probes = _probes(loc)
    return max(probes.values()) if probes else None


def clock_moved(loc: dict) -> str | None:
    """Why the two probes differ, where they differ by more than 5%."""
    probes = _probes(loc)
    if len(probes) < 2 or max(probes.values()) <= CLOCK_MOVED * min(probes.values()):
        return None
    return (f"the clock probes differ: {units.number(probes['before'])} GHz before the run, "
            f"{units.number(probes['after'])} after; cycles use the faster")


def clock_text(loc: dict) -> str:
    """The probed clock as the machine section shows it."""
    ghz = probed_ghz(loc)
    if not ghz:
        return "not measured"
    if implausible_clock(loc):
        return f"{units.number(ghz)} GHz (not a core's clock: no cycles shown)"
    moved = clock_moved(loc)
    return f"{units.number(ghz)} GHz" + (f" ({moved})" if moved else "")


def implausible_clock(loc: dict) -> str | None:
    ghz = probed_ghz(loc)
    if not ghz or PLAUSIBLE_GHZ[0] <= ghz <= PLAUSIBLE_GHZ[1]:
        return None
    return (f"the probed clock, {units.number(ghz)} GHz, is outside what any core runs at "
            f"({PLAUSIBLE_GHZ[0]:g} to {PLAUSIBLE_GHZ[1]:g} GHz): no cycles are shown.")


def title_of(family: str, desc: dict | None) -> str:
    """The family's title from its descriptor (its id where it has none)."""
    return (desc or {}).get("title") or family


def l1_read_gb_s(loc: dict, when: str = "before") -> float | None:
    """The throughput probe's L1 read rate (GB/s), if the file has one."""
    return ((loc.get("clock") or {}).get(when) or {}).get("l1_read", {}).get("gb_s")


def probe_text(loc: dict) -> str:
    """'L1 read probe 182 GB/s before, 183 after' (or why there is none)."""
    before, after = l1_read_gb_s(loc), l1_read_gb_s(loc, "after")
    if not before:
        return "L1 read probe: not in this file"
    return (f"L1 read probe {units.number(before)} GB/s before the run"
            + (f", {units.number(after)} after" if after else ""))


def _cited_statistic(report) -> str:
    """The statistic of the figure the citation example names."""
    entry = report.figures[0] if report.figures else None
    family = entry.family if entry else ""
    if not family:  # the comparison: its baseline's family
        family = next((f for f, d in report.families.items()
                       if any(c.get("role") == "baseline" for c in d.get("cases", []))), "")
    return report.families.get(family, {}).get("statistic", "median")


def citation(report) -> str:
    loc = report.sources[0].locality or {}
    fid = report.figures[0].figure_id if report.figures else "LOC-..."
    return (f"{fid}: locality {loc.get('suite_version', '?')} (commit {loc.get('git_commit', '?')[:12]}), "
            f"{loc.get('cpu_model', '?')} ({report.labels[0]}), {loc.get('compiler', '?')} "
            f"{loc.get('build_flags', '')}, {loc.get('started_utc', '?')}; a point of this figure is the "
            f"{_cited_statistic(report)} of its repetitions with a bootstrap 95% interval (each figure's caption "
            f"names its statistic). Data: {Path(report.sources[0].path).name}.")


def _bib_value(text) -> str:
    """A BibTeX field value: braces balanced away, LaTeX specials escaped."""
    from locality.report import escape

    return escape.latex(str(text))


def bibtex(report) -> str:
    """A BibTeX entry for the tool, from CITATION.cff (shipped with the
    package), with the version and commit of the run cited."""
    from importlib import resources

    import yaml

    cff = yaml.safe_load((resources.files("locality") / "CITATION.cff").read_text(encoding="utf-8")) or {}
    loc = report.sources[0].locality or {}
    authors = " and ".join("{" + _bib_value(a.get("name") or f"{a.get('given-names', '')} {a.get('family-names', '')}".strip()) + "}"
                           for a in cff.get("authors", []))
    version = loc.get("suite_version") or cff.get("version", "")
    fields = {
        "title": "{" + _bib_value(cff.get("title", "locality")) + "}",
        "author": authors,
        "year": str(cff.get("date-released", ""))[:4],
        "version": _bib_value(version),
        "howpublished": _bib_value(f"Software, version {version}, commit {str(loc.get('git_commit', '?'))[:12]}"),
    }
    if cff.get("license"):
        fields["license"] = _bib_value(cff["license"])
    body = ",\n".join(f"  {k} = {{{v}}}" for k, v in fields.items() if v)
    return f"% locality: the tool's citation, from its CITATION.cff\n@misc{{locality,\n{body}\n}}\n"
