"""The host read of a sampled iteration (probes/reads.py): one flat copy, completed later on
CUDA. On CPU the deferred path is forced with reads="defer": the records it writes must be the
ones the synchronous path writes, only later."""

import math

import pytest
import torch
import torch.nn.functional as F
from cases import clipped_step, written
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

import torchvitals
from torchvitals.probes.reads import Reads


@settings(max_examples=60, deadline=None)
@given(
    floats=st.lists(st.floats(allow_nan=True, allow_infinity=True, width=32), min_size=1, max_size=8),
    ints=st.lists(st.integers(-(2**63), 2**63 - 1), max_size=6),
    defer=st.booleans(),
)
def test_slots_read_back_exactly(floats, ints, defer):
    reads = Reads()
    f = reads.floats(torch.tensor(floats, dtype=torch.float32))
    i = reads.ints(torch.tensor(ints, dtype=torch.int64)) if ints else None
    ticket = reads.start(defer=defer)
    assert ticket.deferred is defer and ticket.ready()
    got = ticket.get(f)
    want = torch.tensor(floats, dtype=torch.float32).tolist()
    assert [math.isnan(x) for x in got] == [math.isnan(x) for x in want]
    assert [x for x in got if not math.isnan(x)] == [x for x in want if not math.isnan(x)]
    if i is not None:
        assert ticket.get(i) == ints  # bit for bit, NaN-boxed patterns included


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64, torch.int64])
def test_a_deferred_read_keeps_the_values_it_was_started_with(dtype):
    """A tensor changed in place after a deferred read started (float64 and int64 travel without
    a conversion that would copy them) is read as it was."""
    t = torch.tensor([1, 2, 3], dtype=dtype)
    reads = Reads()
    slot = reads.ints(t) if dtype == torch.int64 else reads.floats(t)
    ticket = reads.start(defer=True)
    t.add_(10)
    assert ticket.get(slot) == [1, 2, 3]


def test_an_empty_read_is_ready_and_empty():
    ticket = Reads().start(defer=True)
    assert ticket.ready()


class Net(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.body = nn.Sequential(nn.Linear(8, 16), nn.BatchNorm1d(16), nn.ReLU(), nn.Dropout(0.1))
        self.head = nn.Linear(16, 3)
        self.unused = nn.Linear(4, 4)  # dead-parameters: the same finding either way

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.body(x))


def _train(tmp_path, reads: str, probe_between=None) -> tuple[list[dict], list[tuple]]:
    torch.manual_seed(0)
    model = Net()
    opt = torch.optim.AdamW(model.parameters(), lr=1e-2)
    sched = torch.optim.lr_scheduler.StepLR(opt, 5)
    g = torch.Generator().manual_seed(1)
    xs, ys = torch.randn(12, 32, 8, generator=g), torch.randint(0, 3, (12, 32), generator=g)
    mon = torchvitals.watch(model, opt, scheduler=sched, every=3, warmup=2, detail_every=3,
                            out=str(tmp_path), name=reads, console=False, reads=reads)
    for epoch in range(2):
        model.train()
        for i in range(12):
            clipped_step(model, opt, xs[i], ys[i])
            if probe_between is not None:
                probe_between(mon, epoch * 12 + i + 1)
        sched.step()
        model.eval()
        with torch.no_grad():
            val = F.cross_entropy(model(xs[0]), ys[0]).item()
        mon.epoch_end(val={"loss": val})
    diag = mon.close()
    return written(tmp_path / reads / "run.jsonl", diag, ("step", "epoch"))


def test_deferred_records_equal_the_synchronous_ones(tmp_path):
    sync, sync_findings = _train(tmp_path, "sync")
    late, late_findings = _train(tmp_path, "defer")
    assert [r for r in sync if r["type"] == "step"], "no step records: the comparison would prove nothing"
    assert any("out" in r for r in sync) and any("clip" in r for r in sync)
    assert late == sync
    assert late_findings == sync_findings and any(name == "dead-parameters" for name, *_ in sync_findings)


def test_a_deferred_record_is_written_at_the_next_hook(tmp_path):
    """reads="defer": a sampled iteration's record is not in the history when its step returns;
    it is there once the next iteration's forward has begun."""
    seen: list[tuple[int, int]] = []

    def count(mon, it):  # after opt.step() of iteration `it`
        seen.append((it, sum(1 for r in mon.history.steps if r.get("reason") == "step")))

    _train(tmp_path, "defer", probe_between=count)
    count_at = dict(seen)
    # iteration 1 (sampled): not yet written after its step; written by the end of iteration 2
    assert count_at[1] == 0 and count_at[2] >= 1


@pytest.mark.parametrize("bad", ["async", "", "DEFER"])
def test_the_reads_option_is_checked(bad):
    with pytest.raises(ValueError, match="reads"):
        torchvitals.watch(nn.Linear(2, 2), out="", console=False, reads=bad)


# Evidence from the step counters (skipped steps) and the output checks (probabilities as
# logits); gradient norms are compared above. The whole zoo: BENCHMARKS.md.
@pytest.mark.parametrize("case", ["strict_step_gate", "softmax_before_cross_entropy"])
def test_zoo_findings_and_first_iterations_unchanged_when_deferred(case, tmp_path, monkeypatch):
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks" / "fault_zoo"))
    import score

    (zoo,) = score.discover({case})
    monkeypatch.setenv("TORCHVITALS_READS", "sync")
    sync = score.run_case(zoo.path, zoo.args, str(tmp_path / "sync"))
    monkeypatch.setenv("TORCHVITALS_READS", "defer")
    late = score.run_case(zoo.path, zoo.args, str(tmp_path / "defer"))
    assert sync["error"] is None and late["error"] is None
    assert set(zoo.expect) & set(sync["found"]), sync["found"]
    assert late["found"] == sync["found"]


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device (benchmarks/gpu.py counts syncs there too)")
@pytest.mark.parametrize("every", [50, 1])
def test_no_iteration_synchronises_with_the_gpu(every, tmp_path):
    """torch.cuda.set_sync_debug_mode("error") raises on any blocking host read: sampled
    iterations included, no iteration may make one (the record is completed from an event)."""
    torch.manual_seed(0)
    model = Net().cuda()
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
    xs, ys = torch.randn(8, 32, 8, device="cuda"), torch.randint(0, 3, (8, 32), device="cuda")
    mon = torchvitals.watch(model, opt, every=every, out=str(tmp_path), console=False)

    def step(i: int) -> None:
        loss = F.cross_entropy(model(xs[i % 8]), ys[i % 8])
        opt.zero_grad()
        loss.backward()
        opt.step()

    for i in range(3):  # the first iterations set things up (lazy state, the first sample)
        step(i)
    torch.cuda.synchronize()
    torch.cuda.set_sync_debug_mode("error")
    try:
        for i in range(3, 3 + 2 * max(every, 10)):
            step(i)
    finally:
        torch.cuda.set_sync_debug_mode(0)
    diag = mon.close()
    assert mon.history.n_steps > 0 and "dead-parameters" in diag.names("warning")
