"""A healthy step record (every gradient, weight norm and learning rate finite) takes derive()'s
fast path; any record may take the general one. Both must give the same statistics, in the same
order, or the console and the rules would say different things about the same run."""

from __future__ import annotations

import dataclasses
import math

from hypothesis import given, settings
from hypothesis import strategies as st

from torchvitals import stats
from torchvitals.stats import Layout

norms = st.floats(min_value=1e-30, max_value=1e30, allow_nan=False, allow_infinity=False)


@st.composite
def healthy(draw: st.DrawFn) -> tuple[dict, Layout]:
    n = draw(st.integers(1, 12))
    groups = draw(st.integers(1, 3))
    buckets = draw(st.lists(st.sampled_from(["enc", "dec", "head", "norm"]), min_size=n, max_size=n))
    group = sorted(draw(st.lists(st.integers(0, groups - 1), min_size=n, max_size=n)))
    lay = Layout(pidx=list(range(n)), group=group, buckets=buckets, ndim=[2] * n, names=[f"p{i}" for i in range(n)],
                 eps=[2.0**-23] * n, numel=[100] * n)
    g = draw(st.lists(st.one_of(norms, st.just(0.0)), min_size=n, max_size=n))
    w = draw(st.lists(norms, min_size=n, max_size=n))
    lr = draw(st.lists(st.one_of(st.just(0.0), st.floats(1e-8, 10.0)), min_size=groups, max_size=groups))
    rec = {"type": "step", "opt": 0, "it": 1, "g": g, "w": w, "lr": lr}
    if draw(st.booleans()):  # a detailed iteration: the true update, some parameters not copied
        rec["d"] = draw(st.lists(st.one_of(st.none(), st.just(0.0), norms, st.just(math.inf)), min_size=n, max_size=n))
        lay.ndim = draw(st.lists(st.sampled_from([1, 2]), min_size=n, max_size=n))
        if draw(st.booleans()):
            rec["sparse"] = [0]
    return rec, lay


def _same(a: object, b: object) -> bool:
    """Equal, floats to 1e-12 relative (Python 3.12's sum() rounds more exactly than a loop),
    dicts in the same order."""
    if isinstance(a, float) and isinstance(b, float):
        return (math.isnan(a) and math.isnan(b)) or math.isclose(a, b, rel_tol=1e-12, abs_tol=0.0)
    if isinstance(a, dict) and isinstance(b, dict):
        return list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return type(a) is type(b) and len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return a == b


@settings(max_examples=300, deadline=None)
@given(healthy())
def test_fast_path_gives_what_the_general_one_gives(case: tuple[dict, Layout]) -> None:
    rec, lay = case
    assert stats._all_finite(rec["g"], rec["w"], rec["lr"], lay)
    w0 = [x if i % 3 else 1e-9 for i, x in enumerate(rec["w"])]  # some started at zero
    fast = stats.derive(rec, lay, w0)
    slow = stats._derive(rec["g"], rec["w"], rec.get("d"), rec["lr"], lay, w0, rec.get("sparse"))
    for f in dataclasses.fields(stats.Derived):
        assert _same(getattr(fast, f.name), getattr(slow, f.name)), f.name


def test_records_that_are_not_healthy_take_the_general_path() -> None:
    lay = Layout(pidx=[0, 1], group=[0, 0], buckets=["a", "b"], ndim=[2, 1], names=["x", "y"])
    ok = {"g": [1.0, 2.0], "w": [1.0, 1.0], "lr": [0.1]}
    assert stats._all_finite(ok["g"], ok["w"], ok["lr"], lay)
    for bad in ({"g": [1.0, None]}, {"g": [1.0, math.inf]}, {"g": [math.nan, 1.0]}, {"w": [1.0, 0.0]},
                {"w": [1.0]}, {"lr": [math.nan]}, {"lr": []}, {"g": [1e308, 1e308]}):
        rec = {**ok, **bad}
        assert not stats._all_finite(rec["g"], rec["w"], rec["lr"], lay), bad
        d = stats.derive({"type": "step", **rec}, lay)  # the general path still judges it
        assert isinstance(d.total, float)
