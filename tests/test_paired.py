"""The paired-timing statistics the overhead benchmarks rest on (benchmarks/paired.py)."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import paired  # noqa: E402


def test_interval_is_the_binomial_order_statistics():
    # n = 20 at 95%: P(B <= 5) = 0.021 <= 0.025 < P(B <= 6) = 0.058, so x(6) .. x(15)
    m, lo, hi = paired.median_interval([float(i) for i in range(1, 21)])
    assert (m, lo, hi) == (10.5, 6.0, 15.0)


def test_few_values_give_the_full_range():
    assert paired.median_interval([3.0, 1.0, 2.0]) == (2.0, 1.0, 3.0)
    with pytest.raises(ValueError):
        paired.median_interval([])


def test_ratios_are_taken_inside_each_window():
    times = {"plain": [1.0, 10.0], "watched": [1.1, 11.0]}  # the machine slowed 10x between windows
    assert paired.window_ratios(times)["watched"] == pytest.approx([1.1, 1.1])


@pytest.mark.parametrize("interval,verdict", [
    ((1.01, 0.99, 1.02), "met"),
    ((1.06, 1.04, 1.08), "missed"),
    ((1.02, 0.98, 1.06), "not resolved here"),
])
def test_verdict_needs_the_whole_interval(interval, verdict):
    assert paired.verdict(interval, 1.03) == verdict
