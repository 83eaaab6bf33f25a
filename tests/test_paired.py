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


def test_ratios_per_placement_sum_its_windows_first():
    times = {"plain": [1.0, 3.0, 10.0], "watched": [2.0, 2.0, 11.0]}
    assert paired.window_ratios(times, per=2)["watched"] == pytest.approx([1.0, 1.1])  # (2+2)/(1+3), 11/10


def test_placements_build_every_loop_afresh_in_a_rotating_order():
    """Every `per` windows the loops are built again (the previous ones closed first), in an
    order rotated by one each time; the turns keep the names' order and the iteration count
    runs on; the CPU times and the window reports come in the same order as the times."""
    events, seen, reported = [], [], []

    def make(order):
        built = len([e for e in events if e[0] == "build"])
        events.append(("build", tuple(order)))

        def step(name):
            return lambda i: seen.append((built, name, i))

        return {k: step(k) for k in order}, lambda: events.append(("close", built))

    cpu = {}
    times = paired.in_placements(make, ["a", "b", "c"], windows=5, per=2, start=7,
                                 after_window=lambda w, spent: reported.append(w), cpu=cpu)
    assert events == [("build", ("a", "b", "c")), ("close", 0), ("build", ("b", "c", "a")), ("close", 1),
                      ("build", ("c", "a", "b")), ("close", 2)]
    assert all(len(ts) == 5 for ts in times.values()) and all(len(ts) == 5 for ts in cpu.values())
    assert reported == [0, 1, 2, 3, 4]
    its = [i for _, name, i in seen if name == "a"]
    assert its == list(range(7, 7 + 5 * paired.WINDOW))
    assert {b for b, _, i in seen if i >= 7 + 4 * paired.WINDOW} == {2}  # the last window: the third build
    # turns rotate by iteration, whatever order the loops were built in
    assert [name for _, name, i in seen if i == 7] == ["b", "c", "a"]  # 7 % 3 == 1
