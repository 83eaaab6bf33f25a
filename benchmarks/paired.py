"""Paired timing: ratios that a noisy machine cannot fake.

A shared VM slows down and speeds up by tens of percent over minutes. Timing whole runs of each
configuration one after another and dividing medians then mixes that drift into the ratio. Here
the configurations take turns inside one window of iterations, and the ratio is taken inside
the window (a configuration's time / the plain loop's time in the same window), so drift slower
than a turn cancels. Across windows we report the median ratio and a distribution-free 95%
interval for that median (order statistics of the binomial, no model of the noise), and an A/A
control: a second plain loop treated like any configuration, whose interval shows what the
machine alone does to a ratio.

Where a loop's tensors land in memory matters too: identical copies of the 0.8M MLP trained side
by side in one process differed by 1.2-1.5% in step time, a different copy the slowest in each
run (benchmarks/placement.py). That luck stays with a copy for as long as it lives, so one set
of copies would carry it into every ratio. `in_placements` builds every loop afresh every few
windows (a placement), in an order that rotates each time, and the ratios are taken per
placement (`window_ratios` with `per`): their interval then covers the placements as well as
the machine.

What pairing cannot remove: on a machine so busy that the process waits for its cores, the
multi-threaded kernels of the step slow down more than torchvitals' single-threaded Python
does, which pulls every ratio towards 1. The figures are for a quiet machine; the load average
is recorded beside them.

A verdict is only claimed where the interval decides it: met when the whole interval is at or
under the target, missed when all of it is over, otherwise "not resolved here".
"""

from __future__ import annotations

import gc
import math
import statistics
import time
from collections.abc import Callable, Sequence

WINDOW = 50  # iterations: default sampling takes one in 50, so each window holds one sampled iteration


def take_turns(
    steps: dict[str, Callable[[int], object]],
    windows: int,
    start: int = 0,
    after_window: Callable[[int, dict[str, float]], None] | None = None,
    cpu: dict[str, list[float]] | None = None,
) -> dict[str, list[float]]:
    """Run `steps[name](iteration)` for every name, step by step in an order that rotates every
    iteration (the same order wherever this runs with the same names, so ranks stay in step);
    return each name's seconds per window of WINDOW iterations. `after_window(w, spent)` sees each
    window's seconds as it ends. With `cpu` (a dict), each name's CPU seconds of this thread per
    window go there too: the work a configuration adds on the thread that runs it, without the
    time it waits (for the other rank, for a busy core)."""
    names = list(steps)
    times: dict[str, list[float]] = {k: [] for k in names}
    if cpu is not None:
        cpu.update({k: [] for k in names})
    for w in range(windows):
        spent = dict.fromkeys(names, 0.0)
        busy = dict.fromkeys(names, 0.0)
        for i in range(start + w * WINDOW, start + (w + 1) * WINDOW):
            r = i % len(names)
            for k in names[r:] + names[:r]:
                c0, t0 = time.thread_time(), time.perf_counter()
                steps[k](i)
                spent[k] += time.perf_counter() - t0
                busy[k] += time.thread_time() - c0
        for k in names:
            times[k].append(spent[k])
            if cpu is not None:
                cpu[k].append(busy[k])
        if after_window is not None:
            after_window(w, spent)
    return times


Steps = dict[str, Callable[[int], object]]


def in_placements(
    make: Callable[[list[str]], tuple[Steps, Callable[[], None]]],
    names: list[str],
    windows: int,
    per: int,
    start: int = 0,
    after_window: Callable[[int, dict[str, float]], None] | None = None,
    cpu: dict[str, list[float]] | None = None,
) -> dict[str, list[float]]:
    """`take_turns` over `windows` windows, every loop built afresh every `per` windows:
    `make(order)` builds (and warms up) the loops in `order`, which rotates by one each time, and
    returns their steps by name and a function that closes them, called before the next build."""
    times: dict[str, list[float]] = {k: [] for k in names}
    if cpu is not None:
        cpu.update({k: [] for k in names})
    done = 0
    while done < windows:
        n = min(per, windows - done)
        r = (done // per) % len(names)
        steps, close = make(names[r:] + names[:r])
        part_cpu: dict[str, list[float]] | None = {} if cpu is not None else None
        seen = None if after_window is None else (lambda w, spent, d=done: after_window(d + w, spent))
        try:
            part = take_turns({k: steps[k] for k in names}, n, start=start + done * WINDOW, after_window=seen, cpu=part_cpu)
        finally:
            close()
            del steps, close
            gc.collect()
        for k in names:
            times[k] += part[k]
            if part_cpu is not None:
                cpu[k] += part_cpu[k]
        done += n
    return times


def median_interval(values: Sequence[float], level: float = 0.95) -> tuple[float, float, float]:
    """(median, low, high): a distribution-free `level` interval for the median of `values`.

    The interval is [x_(k), x_(n+1-k)] of the sorted values with the largest k for which
    P(Binomial(n, 1/2) < k) <= (1 - level) / 2; with fewer than 6 values no such k exists at 95%
    and the interval is the full range (say so: it then covers less than `level`)."""
    xs = sorted(values)
    n = len(xs)
    if n == 0:
        raise ValueError("no values")
    tail = (1 - level) / 2
    k, below = 0, 0.0  # below = P(B < k+1) as k grows
    while k < n // 2:
        below += math.comb(n, k) / 2**n
        if below > tail:
            break
        k += 1
    k = max(k, 1)
    return statistics.median(xs), xs[k - 1], xs[n - k]


def grouped(values: Sequence[float], per: int = 1) -> list[float]:
    """Sums of `per` consecutive values (one placement's windows; the last group may be short)."""
    return [sum(values[a : a + per]) for a in range(0, len(values), per)]


def window_ratios(times: dict[str, list[float]], base: str = "plain", per: int = 1) -> dict[str, list[float]]:
    """Each configuration's time over the base's time in the same window, window by window, or
    with `per` > 1 placement by placement (the windows of one placement share its luck)."""
    b = grouped(times[base], per)
    return {c: [t / x for t, x in zip(grouped(ts, per), b, strict=True)] for c, ts in times.items()}


def verdict(interval: tuple[float, float, float], target: float) -> str:
    """met / missed / not resolved, from where the interval lies against the target."""
    _, low, high = interval
    if high <= target:
        return "met"
    if low > target:
        return "missed"
    return "not resolved here"
