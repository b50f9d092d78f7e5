"""What a run found: every check with what it expected, what was measured
and the verdict, in teaching order. The report's pages open with it."""

from __future__ import annotations

from dataclasses import dataclass

from locality.report.texts import title_of


@dataclass
class Finding:
    family: str
    title: str
    figure_id: str
    series: str
    says: str
    verdict: str
    sentence: str

    @property
    def measured(self) -> str:
        """The sentence without the expectation it repeats: what was measured."""
        head = self.says.rstrip(".") + ":"
        if self.sentence.lower().startswith(head.lower()):
            return self.sentence[len(head):].strip()
        return self.sentence


def findings(report) -> list[Finding]:
    """Every check of the run, in teaching order: what it expected, what
    was measured and the verdict; what the report's pages open with."""
    out = []
    for family, checks in report.checks.items():
        desc = report.families.get(family, {})
        for series, check in checks.items():
            for r in check.results:
                out.append(Finding(family, title_of(family, desc), f"LOC-{family}", series,
                                   r.claim.get("says", ""), r.verdict, r.sentence))
    return out


def findings_summary(found: list[Finding], movements: dict | None = None) -> str:
    """The verdicts counted, then what each series' claim intervals cover
    (movements: series -> checks.Movement, or None for a series of one
    pass)."""
    counts = {v: sum(f.verdict == v for f in found) for v in ("agrees", "disagrees", "inconclusive")}
    out = (f"{len(found)} checks of what the families expect: {counts['agrees']} agree, "
           f"{counts['disagrees']} disagree, {counts['inconclusive']} inconclusive.")
    several = len(movements or {}) > 1
    for series, moved in (movements or {}).items():
        text = moved.sentence() if moved else (
            "Each claim's interval is the range over its rounds: one pass over the plan measures no "
            "movement between runs, and the next run may fall outside it.")
        out += f" {series}: {text}" if several else f" {text}"
    return out
