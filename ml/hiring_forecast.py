"""Expected hires from a pipeline: candidates now in each stage times the historical share
of candidates who, having reached that stage, were hired.

The estimate is only as good as the history it rests on, so every stage's rate carries the
number of past candidates it was measured on, and a stage with no history adds nothing
(rather than a guessed rate).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class StageRate:
    """Of ``reached`` past candidates who got to ``stage`` and whose fate is known,
    ``hired`` were hired."""

    stage: str
    reached: int
    hired: int

    @property
    def rate(self) -> float | None:
        return self.hired / self.reached if self.reached else None


@dataclass(frozen=True)
class Forecast:
    expected_hires: float
    in_pipeline: int
    # Candidates now in a stage that has no history: they add nothing to the estimate.
    without_history: int
    smallest_base: int | None  # the fewest past cases any used rate rests on


def stage_rates(
    reached: Mapping[str, int], hired: Mapping[str, int], stages: tuple[str, ...]
) -> dict[str, StageRate]:
    """Per stage, the historical conversion to hired."""
    return {s: StageRate(s, reached.get(s, 0), hired.get(s, 0)) for s in stages}


def expected_hires(pipeline: Mapping[str, int], rates: Mapping[str, StageRate]) -> Forecast:
    """Sum over stages of (candidates now in the stage) × (its historical hire rate)."""
    expected = 0.0
    without = 0
    bases: list[int] = []
    for stage, count in pipeline.items():
        if count <= 0:
            continue
        rate = rates.get(stage)
        if rate is None or rate.rate is None:
            without += count
            continue
        expected += count * rate.rate
        bases.append(rate.reached)
    return Forecast(
        expected_hires=expected,
        in_pipeline=sum(c for c in pipeline.values() if c > 0),
        without_history=without,
        smallest_base=min(bases) if bases else None,
    )
