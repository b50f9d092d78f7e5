"""What a check of a stated expectation concludes: the three verdicts and
the result of one claim. Shared by the check engine (checks.py) and the
checks written in code (hooks.py), which the engine calls."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

AGREES, DISAGREES, INCONCLUSIVE = "agrees", "disagrees", "inconclusive"


@dataclass
class ClaimResult:
    claim: dict
    verdict: str
    sentence: str
    value: float = math.nan
    low: float = math.nan
    high: float = math.nan
    marks: dict = field(default_factory=dict)  # what a hook found, for the figure
