"""Probes measure what they claim: GradScaler skips, activation order, sparse and odd grads."""

import torch
import torch.nn.functional as F
from cases import mlp, regression_data
from hypothesis import given
from hypothesis import strategies as st
from torch import nn

import torchvitals
from torchvitals.probes.gradients import norms, pick_snapshot


def test_norms_match_torch_and_mark_missing():
    ts = [torch.randn(3, 4), None, torch.randn(5, dtype=torch.bfloat16), torch.zeros(2)]
    out = norms(ts, torch.device("cpu"))
    assert torch.isnan(out[1])
    assert torch.allclose(out[0], ts[0].norm()) and out[3] == 0
    assert torch.allclose(out[2], ts[2].float().norm(), rtol=1e-2)


def test_large_tensors_normed_by_rows_match_the_exact_norm_at_any_thread_count():
    """Tensors of ROWS_FROM elements or more are normed row by row (torch spreads the rows over
    its threads): in the list's order, beside small ones and missing ones, close to the float64
    norm, and the same numbers whatever the thread count."""
    from torchvitals.probes import gradients

    g = torch.Generator().manual_seed(0)
    ts = [torch.randn(gradients.ROWS_FROM, generator=g) * 1e-3, None, torch.randn(7, 5, generator=g),
          torch.randn(8, gradients.ROW, generator=g).to(torch.bfloat16), torch.randn(gradients.ROWS_FROM + 1, generator=g)]
    assert [t is not None and gradients._by_rows(t) for t in ts] == [True, False, False, True, True]
    exact = [float("nan") if t is None else float(t.double().norm()) for t in ts]
    threads = torch.get_num_threads()
    try:
        got = []
        for n in (1, 2):
            torch.set_num_threads(n)
            got.append(norms(ts, torch.device("cpu")))
    finally:
        torch.set_num_threads(threads)
    assert torch.allclose(got[0], got[1], rtol=0, atol=0, equal_nan=True)  # exactly equal
    for x, want in zip(got[0].tolist(), exact, strict=True):
        assert (x != x and want != want) or abs(x - want) <= 1e-5 * want


def test_sparse_gradients_are_measured():
    emb = nn.Embedding(50, 8, sparse=True)
    opt = torch.optim.SparseAdam(emb.parameters(), lr=1e-2)
    mon = torchvitals.watch(emb, opt, out="", console=False)
    for _ in range(6):
        opt.zero_grad()
        emb(torch.randint(0, 50, (4, 3))).pow(2).sum().backward()
        opt.step()
    diag = mon.close()
    assert diag.healthy and not mon.disabled
    assert mon.history.steps[0]["g"][0] > 0


def _amp_loop(mon_kw, inf_every):
    torch.manual_seed(0)
    model = mlp()
    opt = torch.optim.SGD(model.parameters(), lr=1e-2)
    scaler = torch.amp.GradScaler("cpu", init_scale=2.0**8, growth_interval=1000)
    mon = torchvitals.watch(model, opt, scaler=scaler, out="", console=False, **mon_kw)
    x, y = regression_data()
    for i in range(60):
        opt.zero_grad()
        scaler.scale(F.mse_loss(model(x[:32]), y[:32])).backward()
        if inf_every and i % inf_every == 0:
            model[0].weight.grad[0, 0] = float("inf")
        scaler.step(opt)
        scaler.update()
    return mon.close(), opt


def test_gradscaler_skips_are_counted_not_blamed_on_the_user():
    diag, _ = _amp_loop({}, inf_every=10)
    counters = diag.summary["optimizers"][0]
    assert counters["scaler_skips"] == 6 and counters["steps"] == 54
    assert counters["skipped"] == 6  # the zero_grad after each skip discarded the gradients
    assert diag.healthy, [(f.name, f.message) for f in diag.at_least("warning")]


def test_gradscaler_skipping_most_steps_is_a_warning():
    diag, _ = _amp_loop({}, inf_every=1)
    (f,) = [f for f in diag.at_least("warning") if f.name == "skipped-steps"]
    assert "GradScaler skipped 60 of 60" in f.message


def test_activation_probe_follows_forward_order():
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.c = nn.Linear(4, 4)  # defined first, runs last
            self.a = nn.Linear(4, 4)
            self.b = nn.Linear(4, 4)

        def forward(self, x):
            return self.c(self.b(self.a(x)))

    model = Net()
    opt = torch.optim.SGD(model.parameters(), lr=1e-2)
    mon = torchvitals.watch(model, opt, out="", console=False, probe=["a", "b", "c"])
    for _ in range(3):
        opt.zero_grad()
        model(torch.randn(8, 4)).pow(2).mean().backward()
        opt.step()
    mon.close()
    assert [n for n, _ in mon.history.steps[0]["act"]] == ["a", "b", "c"]
    # No probe output grads are taken when nothing is armed (unsampled iterations).
    assert all("act" not in s for s in mon.history.steps if s["it"] > 5)


def test_probe_pattern_matching_nothing_is_said(capsys):
    model = mlp()
    opt = torch.optim.SGD(model.parameters(), lr=1e-2)
    mon = torchvitals.watch(model, opt, out="", probe=["encoder.*"])
    diag = mon.close()
    assert any("no module of the model matches" in n for n in diag.notes)


def test_param_groups_with_their_own_lr():
    torch.manual_seed(0)
    model = mlp()
    opt = torch.optim.Adam(
        [{"params": model[0].parameters(), "lr": 1e-4}, {"params": list(model[2].parameters()) + list(model[4].parameters())}],
        lr=1e-3,
    )
    mon = torchvitals.watch(model, opt, out="", console=False, every=5)
    x, y = regression_data()
    for _ in range(30):
        opt.zero_grad()
        F.mse_loss(model(x[:32]), y[:32]).backward()
        opt.step()
    line = mon.epoch_end()
    diag = mon.close()
    assert diag.healthy
    assert mon.history.steps[-1]["lr"] == [1e-4, 1e-3]
    assert "OPTS[2:1.0e-04|cnts=[2, 4]]" in line


def test_sampling_cadence():
    model = mlp()
    opt = torch.optim.SGD(model.parameters(), lr=1e-3)
    mon = torchvitals.watch(model, opt, out="", console=False, every=7, warmup=2)
    x, y = regression_data()
    for _ in range(30):
        opt.zero_grad()
        F.mse_loss(model(x[:32]), y[:32]).backward()
        opt.step()
    mon.close()
    assert [s["it"] for s in mon.history.steps] == [1, 2, 7, 14, 21, 28]


def _cadence(**opts):
    model = mlp()
    opt = torch.optim.SGD(model.parameters(), lr=1e-3)
    mon = torchvitals.watch(model, opt, out="", console=False, **opts)
    x, y = regression_data()
    for _ in range(30):
        opt.zero_grad()
        pred = model(x[:32])
        F.mse_loss(pred, y[:32]).backward()
        opt.step()
        mon.observe(pred, y[:32])
    mon.close()
    steps = mon.history.steps
    return ([s["it"] for s in steps], [s["it"] for s in steps if "d" in s],
            [s["it"] for s in steps if "spread" in s.get("out", {})])


def test_detail_cadence_every_step():
    """every=1: gradient norms every iteration; the update and output value checks in the
    warm-up and then every detail_every-th iteration."""
    sampled, updates, checks = _cadence(every=1, warmup=3)
    assert sampled == list(range(1, 31))
    assert updates == checks == [1, 2, 3, 10, 20, 30]
    sampled, updates, checks = _cadence(every=1, warmup=3, detail_every=1)
    assert updates == checks == sampled


def test_detail_cadence_changes_nothing_at_sparse_sampling():
    """every >= detail_every: every sampled iteration takes every measurement; below it, every
    k-th sampled iteration, so that detailed ones are at least detail_every apart."""
    sampled, updates, checks = _cadence(every=12, warmup=2)
    assert sampled == updates == checks == [1, 2, 12, 24]
    sampled, updates, _ = _cadence(every=7, warmup=2)  # every 2nd sample
    assert (sampled, updates) == ([1, 2, 7, 14, 21, 28], [1, 2, 14, 28])


def test_no_host_read_on_unsampled_iterations(host_reads, monkeypatch):
    """On CUDA a host read is a synchronisation: unsampled iterations must make none."""
    torch.manual_seed(0)
    model = mlp()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    sched = torch.optim.lr_scheduler.StepLR(opt, 5)
    mon = torchvitals.watch(model, opt, scheduler=sched, out="", console=False, every=1000, warmup=1, probe=["0"])
    x, y = regression_data()
    for i in range(20):
        if i == 1:
            host_reads.clear()  # iteration 1 is sampled (warm-up): it reads once, at its end
        opt.zero_grad()
        F.mse_loss(model(x[:32]), y[:32]).backward()
        opt.step()
        sched.step()
    assert host_reads == [], host_reads
    monkeypatch.undo()
    mon.close()


def _sgd_run(steps: int, lr: float = 1e-2, model: nn.Module | None = None, tick=None, **watch_kw):
    """`steps` SGD steps of a small regression under a watching monitor; `tick` is called after
    each step. Returns the monitor and its diagnosis (closed before the optimizer goes)."""
    torch.manual_seed(0)
    model = model or mlp()
    opt = torch.optim.SGD(model.parameters(), lr=lr)
    mon = torchvitals.watch(model, opt, out="", console=False, **watch_kw)
    x, y = regression_data()
    for _ in range(steps):
        opt.zero_grad()
        F.mse_loss(model(x[:32]), y[:32]).backward()
        opt.step()
        if tick is not None:
            tick()
    return mon, mon.close()


def test_weight_norms_at_detail_cadence_and_carried_between():
    """every=1: weight norms are read on detailed iterations only; the records in between carry
    the last ones read and say from which iteration (w_it)."""
    mon, _ = _sgd_run(25, every=1, warmup=3)
    steps = mon.history.steps
    fresh = [s["it"] for s in steps if "w_it" not in s]
    assert fresh == [1, 2, 3, 10, 20]
    by_it = {s["it"]: s for s in steps}
    for s in steps:
        if "w_it" in s:
            src = by_it[s["w_it"]]
            assert s["w_it"] == max(f for f in fresh if f < s["it"]) and s["w"] == src["w"]
    # A fresh reading is the weights before that step, as before.
    assert by_it[10]["w"][0] > 0 and by_it[10]["w"] != by_it[3]["w"]


def _budget_run(snapshot_mb: float, steps: int = 12, lr: float = 1e-2, freeze_first: bool = False):
    torch.manual_seed(0)
    model = mlp()  # parameter bytes: 1024, 128, 4096, 128, 128, 4
    if freeze_first:
        model[0].weight.requires_grad_(False)
    return _sgd_run(steps, lr, model, every=1, detail_every=1, snapshot_mb=snapshot_mb)


def test_true_update_copies_at_most_snapshot_mb_in_turns():
    """A budget smaller than the model: each step copies what fits, the next step goes on from
    there, every parameter is measured within a few steps, and one larger than the whole budget
    is never copied (said once, by name)."""
    mon, diag = _budget_run(1200 / 2**20)
    sizes = [p["numel"] * 4 for p in mon.history.params]  # float32
    measured: set[int] = set()
    for s in mon.history.steps:
        got = [i for i, v in enumerate(s["d"]) if v is not None]
        assert got and sum(sizes[i] for i in got) <= 1200
        measured.update(got)
    assert measured == {0, 1, 3, 4, 5}  # 2 ("2.weight", 4096 bytes) is larger than the budget
    notes = [e["text"] for e in mon.history.events if e.get("kind") == "note" and "snapshot_mb" in e.get("text", "")]
    assert len(notes) == 1 and "2.weight" in notes[0]
    assert diag.healthy, [(f.name, f.message) for f in diag.at_least("warning")]


def test_true_update_in_turns_still_sees_lr_zero():
    _, diag = _budget_run(1200 / 2**20, lr=0.0)
    assert "parameters-not-moving" in {f.name for f in diag.at_least("warning")}


def test_true_update_skips_parameters_without_gradient_and_can_be_switched_off():
    """A frozen parameter left in the optimizer is not copied: its update is unknown (None), not
    a zero that would drag the median update ratio down."""
    mon, diag = _budget_run(512.0, freeze_first=True)
    assert all(s["d"][0] is None and s["d"][2] is not None for s in mon.history.steps)
    assert diag.healthy, [(f.name, f.message) for f in diag.at_least("warning")]
    mon, _ = _budget_run(0)
    assert not any("d" in s for s in mon.history.steps)


def test_kept_copy_buffers_give_the_same_true_update(monkeypatch):
    """On the CPU the copy buffers of the true update are kept from one snapshot to the next
    (a fresh copy pays its page faults again) when detailed iterations come close together or
    the copy is small; the records are the same as with fresh copies, with the whole model
    copied and in turns, and close() lets the buffers go."""
    import torchvitals.probes.gradients as gradients
    import torchvitals.probes.sample as sample

    made = []
    real = gradients._buffers

    def spy(keep, which, src):
        out = real(keep, which, src)
        made.append([id(b) for b in out])
        return out

    for budget in (512.0, 1200 / 2**20):
        runs = {}
        # close together (every step detailed); far apart but small; far apart and not small
        for name, within, small in (("close", 20, 0), ("small", 0, 2**20), ("fresh", 0, 0)):
            monkeypatch.setattr(gradients, "_buffers", spy)
            monkeypatch.setattr(sample, "KEEP_COPIES_WITHIN", within)
            monkeypatch.setattr(sample, "KEEP_SMALL_BYTES", small)
            made.clear()
            runs[name], _ = _budget_run(budget)
            monkeypatch.undo()
            assert all(o.snap_keep == {} for o in runs[name]._opts)
            if name == "fresh":
                assert not made
            else:
                assert len(made) == 12
                if budget == 512.0:
                    assert all(ids == made[0] for ids in made)  # the same buffers every time
        ds = {name: [s["d"] for s in mon.history.steps] for name, mon in runs.items()}
        assert ds["close"] == ds["small"] == ds["fresh"]
        assert all(any(v is not None for v in d) for d in ds["close"])


def test_copy_buffers_are_kept_only_on_the_cpu_and_only_when_cheap_to_hold():
    """Kept at default sampling (detailed iterations 50 apart) for a copy of at most 16 MiB,
    not for a larger one; with every=1 whatever the size; never on another device (the CUDA
    caching allocator reuses memory by itself)."""
    from torchvitals.config import Options
    from torchvitals.probes.sample import KEEP_SMALL_BYTES, Sampler

    class Inv:
        device = torch.device("cpu")

    default, every_step = Sampler(Options(), Inv(), print), Sampler(Options(every=1), Inv(), print)
    assert default.keeps_copies(KEEP_SMALL_BYTES) and not default.keeps_copies(KEEP_SMALL_BYTES + 1)
    assert every_step.keeps_copies(10 * KEEP_SMALL_BYTES)
    Inv.device = torch.device("meta")
    assert not default.keeps_copies(1) and not every_step.keeps_copies(1)


@given(sizes=st.lists(st.integers(1, 100), min_size=1, max_size=12), budget=st.integers(1, 200),
       grad=st.lists(st.booleans(), min_size=12, max_size=12))
def test_pick_snapshot_stays_in_budget_and_covers_every_parameter_in_turns(sizes, budget, grad):
    has = grad[: len(sizes)]
    start, seen = 0, set()
    for _ in range(len(sizes)):
        chosen, start, too_big = pick_snapshot(sizes, has, start, budget)
        assert sum(sizes[i] for i in chosen) <= budget
        assert all(has[i] and sizes[i] <= budget for i in chosen)
        assert set(too_big) == {i for i, (s, h) in enumerate(zip(sizes, has, strict=True)) if h and s > budget}
        seen.update(chosen)
    assert seen == {i for i, (s, h) in enumerate(zip(sizes, has, strict=True)) if h and s <= budget}


def _rule_passes(monkeypatch, pass_seconds: float, steps: int = 400) -> int:
    """Live rule passes in an every=1 run of `steps` steps of 0.1 s each, when one pass takes
    `pass_seconds` (a fake clock that moves only with the steps and the passes)."""
    import torchvitals.monitor.records as monitor  # where the live rule passes are scheduled

    clock = [0.0]
    passes = []
    real = monitor.evaluate

    def timed(history):
        passes.append(clock[0])
        clock[0] += pass_seconds
        return real(history)

    monkeypatch.setattr(monitor.time, "perf_counter", lambda: clock[0])
    monkeypatch.setattr(monitor, "evaluate", timed)

    during = []

    def tick() -> None:
        clock[0] += 0.1
        during[:] = [len(passes)]  # passes while training (close() makes one more)

    _sgd_run(steps, tick=tick, every=1)
    monkeypatch.undo()
    return during[0]


def test_live_rules_keep_to_a_share_of_the_run(monkeypatch):
    """After the first 50 records, rules run every 10th record while they are cheap, and no more
    often than 100x their own duration once they are not (a pass costs more as the run grows)."""
    assert _rule_passes(monkeypatch, 0.0) == 50 + 35
    # 350 steps after the first 50 records take 35 s; one pass of 0.2 s is due 20 s after it.
    assert _rule_passes(monkeypatch, 0.2) == 50 + 1


def test_scheduler_steps_made_within_one_composite_call_count_once():
    """A scheduler that steps others (ChainedScheduler, Accelerate's wrapper once per process)
    hands its call: the step() calls made within one call are one scheduler step; separate
    calls, and steps made outside any, count each."""
    from torchvitals.probes.steps import StepAccount

    acct = StepAccount()
    acct.on_step(train_mode=True)
    first, second = object(), object()
    for call in (first, first, first, second, second):
        acct.on_scheduler_step(call)
    assert acct.c.sched_steps == 2 and acct.c.sched_orphans == 1  # no optimizer step between
    acct.on_step(train_mode=True)
    acct.on_scheduler_step(None)
    acct.on_scheduler_step(None)
    assert acct.c.sched_steps == 4 and acct.c.sched_orphans == 2
    acct.on_step(train_mode=True)
    acct.on_scheduler_step(first)  # the same call object again, after a step in between: a new step
    assert acct.c.sched_steps == 5 and acct.c.sched_orphans == 2


def test_a_chained_schedulers_call_does_not_keep_the_training_functions_locals_alive(tmp_path):
    """The monitor remembers the ChainedScheduler step() its schedulers' steps come from (one
    step of the loop, however many it makes); that frame holds the training function's frame and
    its locals. Once a forward comes it is let go: an Accelerate job whose DDP model outlived its
    training function until close() could hang in gloo's teardown."""
    import gc
    import weakref

    def train(mon_box):
        model = torch.nn.Linear(4, 1)
        opt = torch.optim.SGD(model.parameters(), lr=0.1)
        sched = torch.optim.lr_scheduler.ChainedScheduler(
            [torch.optim.lr_scheduler.StepLR(opt, 10), torch.optim.lr_scheduler.ExponentialLR(opt, 0.99)]
        )
        mon_box.append(torchvitals.watch(model, opt, scheduler=sched, out=str(tmp_path), console=False))
        x = torch.randn(8, 4)
        for _ in range(3):
            opt.zero_grad()
            model(x).pow(2).mean().backward()
            opt.step()
            sched.step()
        with torch.no_grad():
            model(x)  # an evaluation after the last scheduler step
        return weakref.ref(model)

    box: list = []
    ref = train(box)
    gc.collect()
    try:
        assert ref() is None  # the monitor holds no frame of train() any more
        assert box[0]._opts[0].acct.c.sched_steps == 3
    finally:
        box[0].close()
