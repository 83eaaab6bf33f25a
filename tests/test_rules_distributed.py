"""The distributed rules (rules/distributed.py, TV701-TV704) on Histories built by hand from
the record fields the distributed spec fixes: rank 0's `ranks` field on step records, the
header's `dist`, `dataloader` events with `dist_sampler`, `dist-exchange-off` events. Every
fault has a healthy control that stays silent: a single-process run, an independent per-rank
sweep, a constant input, a loader whose sampler epoch is set."""

from __future__ import annotations

import json

import pytest
import torch
from torch import nn
from torch.utils.data import BatchSampler, DataLoader, TensorDataset
from torch.utils.data.distributed import DistributedSampler

import torchvitals
from torchvitals.record import History, read_run
from torchvitals.rules import RULES, CannotJudge, evaluate

NAMES = ("ranks-out-of-sync", "duplicate-data-across-ranks", "sampler-epoch-not-set", "rank-divergent-steps")
PARAMS = [
    {"name": n, "short": n, "bucket": n.split(".")[0], "shape": [4], "numel": 4, "ndim": 1, "dtype": "float32",
     "trainable": True}
    for n in ("enc.weight", "enc.bias", "head.weight")
]


def header(world: int = 2, wrapper: str | None = "ddp", rank: int = 0, sharded: tuple[int, ...] = ()) -> dict:
    rec = {"type": "header", "schema": 1, "params": PARAMS,
           "optimizers": [{"type": "SGD", "groups": [{"lr": 0.1, "params": [0, 1, 2]}]}]}
    if world > 1:
        rec["dist"] = {"rank": rank, "world": world, "local_world": world, "backend": "gloo", "wrapper": wrapper,
                       "sharded": list(sharded)}
    return rec


def ranks(it: int, seen=(0, 1), *, stepped=None, steps=None, its=None, checked: int = 3, diverged=(), batch=None) -> dict:
    n = len(seen)
    return {
        "seen": list(seen), "missing": [], "it": list(its) if its is not None else [it] * n,
        "stepped": list(stepped) if stepped is not None else [True] * n,
        "steps": list(steps) if steps is not None else [it] * n,
        "checked": checked, "diverged": list(diverged),
        "batch": list(batch) if batch is not None else [f"{it:04x}{k:012x}" for k in seen],  # distinct per rank
    }


def step(it: int, r: dict | None = None, opt: int = 0) -> dict:
    rec = {"type": "step", "opt": opt, "it": it, "stepped": True, "g": [1.0, 1.0, 1.0], "w": [1.0, 1.0, 1.0],
           "lr": [0.1], "counters": {"steps": it, "cycles": it, "backward": it}}
    if r is not None:
        rec["ranks"] = r
    return rec


def history(hdr: dict, records: list[dict], rejects: bool = False) -> History:
    h = History()
    h.add(hdr)
    for rec in records:
        h.add(rec)
    assert rejects or h.rejected == 0, h.rejected_why
    return h


def judge(h: History, name: str) -> list:
    return RULES[name].fn(h)


def healthy_ddp(n: int = 6) -> list[dict]:
    return [step(it, ranks(it)) for it in range(1, n + 1)]


# ---------------------------------------------------------------------------------- all four


def test_single_process_run_is_silent_and_not_unjudged():
    """No dist header, no ranks field: nothing to say, and no "not judged" line either."""
    h = history(header(world=1), [step(it) for it in range(1, 8)])
    h.add({"type": "event", "kind": "dataloader", "it": 7, "loader": "train", "batches": 5, "steps": 6})
    found, unjudged = evaluate(h)
    assert not {f.name for f in found} & set(NAMES)
    assert not set(unjudged) & set(NAMES)


def test_healthy_ddp_job_is_silent():
    h = history(header(), healthy_ddp())
    for name in NAMES:
        assert judge(h, name) == [], name


def test_distributed_run_without_comparison_says_why():
    h = history(header(), [step(it) for it in range(1, 4)])
    with pytest.raises(CannotJudge, match="no other rank's numbers reached rank 0"):
        judge(h, "ranks-out-of-sync")
    other = history(header(rank=1), [step(it) for it in range(1, 4)])
    with pytest.raises(CannotJudge, match="rank 1's record.*run.rank0.jsonl"):
        judge(other, "rank-divergent-steps")
    assert judge(other, "sampler-epoch-not-set") == []  # judged from the loader's own events


@pytest.mark.parametrize("bad", [
    {"seen": "01"}, {"seen": [0, 1], "checked": "3", "diverged": [2]}, {"seen": [0, 1], "batch": ["a"]},
    {"seen": [0, 1], "stepped": [1, 0], "steps": None, "it": [1]}, {"seen": [0, True]}, [0, 1],
])
def test_malformed_ranks_field_costs_nothing(bad):
    h = history(header(), [step(1, bad), *healthy_ddp()[1:]], rejects=True)
    found, unjudged = evaluate(h)
    assert not {f.name for f in found} & set(NAMES)
    assert not h.fold_errors


def test_offline_reading_gives_the_same_findings(tmp_path):
    recs = [header()] + [step(it, ranks(it, diverged=[2] if it >= 4 else [], stepped=[True, it != 5],
                                        batch=[f"{it:016x}"] * 2)) for it in range(1, 8)]
    path = tmp_path / "run.rank0.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in recs))
    live = history(recs[0], recs[1:])
    offline = read_run(path)
    for name in NAMES:
        assert [f.to_dict() for f in judge(offline, name)] == [f.to_dict() for f in judge(live, name)]
    assert {f.name for f in evaluate(offline)[0]} >= {"ranks-out-of-sync", "duplicate-data-across-ranks",
                                                       "rank-divergent-steps"}


# ---------------------------------------------------------------------------------- TV701


def test_out_of_sync_under_ddp_names_parameters_iteration_and_ranks():
    recs = healthy_ddp(3) + [step(it, ranks(it, diverged=[2])) for it in (4, 5)]
    (f,) = judge(history(header(), recs), "ranks-out-of-sync")
    assert (f.code, f.severity, f.step, f.where) == ("TV701", "warning", 4, ["head"])
    assert "head.weight" in f.message and "ranks 0 and 1" in f.message and "iteration 4" in f.message
    assert f.evidence["parameters"] == ["head.weight"] and f.evidence["records_diverged"] == 2
    assert f.evidence["in_sync_at"] == 1


def test_out_of_sync_from_the_first_record_under_ddp():
    """A checkpoint loaded on one rank after wrapping: the copies differ at the first sample."""
    recs = [step(it, ranks(it, diverged=[0, 1, 2])) for it in range(1, 4)]
    (f,) = judge(history(header(), recs), "ranks-out-of-sync")
    assert f.step == 1 and "DistributedDataParallel made them identical" in f.message


def test_out_of_sync_without_wrapper_after_being_in_sync():
    """No DDP (gradients averaged by hand): equal copies that later differ are the fault."""
    recs = healthy_ddp(2) + [step(it, ranks(it, diverged=[0])) for it in (50, 100)]
    (f,) = judge(history(header(wrapper=None), recs), "ranks-out-of-sync")
    assert f.step == 50 and "identical on every rank at iteration 1" in f.message


def test_independent_per_rank_sweep_is_not_out_of_sync():
    """torchrun launching one independent run per rank: the copies never were equal."""
    recs = [step(it, ranks(it, diverged=[0, 1, 2])) for it in range(1, 8)]
    assert judge(history(header(wrapper=None), recs), "ranks-out-of-sync") == []


def test_out_of_sync_with_three_ranks_and_no_checked_params():
    recs = [step(it, ranks(it, seen=(0, 1, 2), checked=0)) for it in range(1, 5)]  # FSDP: all sharded
    assert judge(history(header(world=3, wrapper="fsdp", sharded=(0, 1, 2)), recs), "ranks-out-of-sync") == []


# ---------------------------------------------------------------------------------- TV702


def _same(it: int, seen=(0, 1)) -> list[str]:
    return [f"{it:016x}"] * len(seen)


def test_duplicate_data_says_when_it_began():
    recs = [step(it, ranks(it)) for it in (1, 2)] + [step(it, ranks(it, batch=_same(it))) for it in (3, 4, 5, 50)]
    (f,) = judge(history(header(), recs), "duplicate-data-across-ranks")
    assert (f.code, f.severity, f.step) == ("TV702", "warning", 3)
    assert "from iteration 3" in f.message and "ranks 0 and 1" in f.message
    assert f.evidence["duplicates"] == 4 and f.evidence["compared"] == 5


def test_duplicate_data_under_fsdp_and_with_parameters_in_sync():
    recs = [step(it, ranks(it, checked=0, batch=_same(it))) for it in range(1, 5)]
    assert judge(history(header(wrapper="fsdp", sharded=(0, 1, 2)), recs), "duplicate-data-across-ranks")
    recs = [step(it, ranks(it, batch=_same(it))) for it in range(1, 5)]
    assert judge(history(header(wrapper=None), recs), "duplicate-data-across-ranks")


def test_constant_input_is_not_duplicate_data():
    """The same tensor fed every step (a benchmark) is the same on every rank by design."""
    recs = [step(it, ranks(it, batch=["00ff00ff00ff00ff"] * 2)) for it in range(1, 8)]
    assert judge(history(header(), recs), "duplicate-data-across-ranks") == []


def test_duplicate_data_needs_more_than_one_iteration():
    recs = [step(1, ranks(1)), step(2, ranks(2, batch=_same(2))), step(3, ranks(3))]
    assert judge(history(header(), recs), "duplicate-data-across-ranks") == []


def test_sweep_on_one_dataset_is_not_duplicate_data():
    """Independent runs (different learning rates) on the same data: no DDP, never in sync."""
    recs = [step(it, ranks(it, diverged=[0, 1, 2], batch=_same(it))) for it in range(1, 8)]
    assert judge(history(header(wrapper=None), recs), "duplicate-data-across-ranks") == []


def test_tensor_parallel_ranks_share_their_input():
    """DTensor-sharded parameters without FSDP: tensor parallel, one input for all ranks."""
    recs = [step(it, ranks(it, checked=1, batch=_same(it))) for it in range(1, 8)]
    assert judge(history(header(wrapper=None, sharded=(0, 2)), recs), "duplicate-data-across-ranks") == []


def test_no_fingerprint_is_no_evidence():
    """No input was ever fingerprinted (a model called without a tensor, a dict of them or a
    tensor keyword argument): not judged, rather than a healthy run that nothing looked at."""
    recs = [step(it, ranks(it, batch=[None, None])) for it in range(1, 8)]
    with pytest.raises(CannotJudge, match="no training input was seen"):
        judge(history(header(), recs), "duplicate-data-across-ranks")
    # Whole datasets compared stand in for fingerprints: judged.
    recs = [step(it, {**ranks(it, batch=[None, None]), "source": ["64:abc", "64:abd"]}) for it in range(1, 8)]
    assert judge(history(header(), recs), "duplicate-data-across-ranks") == []
    recs = [step(it, ranks(it, batch=[f"{it:016x}", None])) for it in range(1, 8)]
    assert judge(history(header(), recs), "duplicate-data-across-ranks") == []


def test_two_optimizers_of_one_iteration_count_once():
    recs = []
    for it in range(1, 5):
        recs += [step(it, ranks(it, batch=_same(it)), opt=0), step(it, ranks(it, batch=_same(it)), opt=1)]
    hdr = header()
    hdr["optimizers"] = hdr["optimizers"] * 2
    (f,) = judge(history(hdr, recs), "duplicate-data-across-ranks")
    assert f.evidence["duplicates"] == 3 and f.step == 2


# ---------------------------------------------------------------------------------- TV703


def loader_event(it: int, epoch: int | None, *, steps: int = 10, shuffle: bool = True, name: str = "train_loader") -> dict:
    e = {"type": "event", "kind": "dataloader", "it": it, "loader": name, "wait": 0.01, "work": 0.1, "batches": 9,
         "steps": steps, "first_wait": 0.0, "num_workers": 0, "pin_memory": False, "batch_size": 8, "cuda": False}
    if epoch is not None:
        e["dist_sampler"] = {"epoch": epoch, "shuffle": shuffle, "rank": 0, "num_replicas": 2}
    return e


def test_sampler_epoch_never_set():
    h = history(header(), [*healthy_ddp(), loader_event(10, 0), loader_event(20, 0), loader_event(30, 0)])
    (f,) = judge(h, "sampler-epoch-not-set")
    assert (f.code, f.severity, f.step, f.where) == ("TV703", "warning", 20, ["train_loader"])
    assert "never called" in f.message and f.evidence["repeated"] == 2 and f.evidence["passes"] == 3


def test_sampler_epoch_set_late_in_the_run():
    h = history(header(), [loader_event(10, 0), loader_event(20, 1), loader_event(30, 1)])
    (f,) = judge(h, "sampler-epoch-not-set")
    assert f.step == 30 and "pass 3" in f.message and "never" not in f.message


def test_sampler_epoch_set_every_pass_is_silent():
    h = history(header(), [loader_event(10 * e, e) for e in range(1, 5)])
    assert judge(h, "sampler-epoch-not-set") == []


@pytest.mark.parametrize("kind", ["no-shuffle", "eval", "plain-loader", "one-pass"])
def test_sampler_epoch_controls(kind):
    events = {
        "no-shuffle": [loader_event(10, 0, shuffle=False), loader_event(20, 0, shuffle=False)],
        "eval": [loader_event(10, 0, steps=0), loader_event(20, 0, steps=0)],
        "plain-loader": [loader_event(10, None), loader_event(20, None)],
        "one-pass": [loader_event(10, 0), loader_event(20, 0, name="val_loader")],
    }[kind]
    assert judge(history(header(world=1), events), "sampler-epoch-not-set") == []


# ---------------------------------------------------------------------------------- TV704


def test_rank_skips_a_step_names_the_rank_and_iteration():
    recs = healthy_ddp(4) + [step(5, ranks(5, stepped=[True, False], steps=[5, 4])),
                            step(6, ranks(6, steps=[6, 5]))]
    (f,) = judge(history(header(), recs), "rank-divergent-steps")
    assert (f.code, f.severity, f.step) == ("TV704", "warning", 5)
    assert "rank 1" in f.message and "iteration 5" in f.message and "stepped: rank 0 yes, rank 1 no" in f.message
    assert f.evidence["differ"] == [1] and f.evidence["records"] == 2


def test_ranks_at_different_iterations():
    recs = [step(it, ranks(it, seen=(0, 1, 2), its=[it, it, it + 1])) for it in (1, 2)]
    (f,) = judge(history(header(world=3), recs), "rank-divergent-steps")
    assert f.step == 1 and f.evidence["differ"] == [2] and "iteration: rank 0 1, rank 1 1, rank 2 2" in f.message


def test_sweep_with_different_step_counts_is_silent():
    recs = [step(it, ranks(it, diverged=[0, 1, 2], steps=[it, it // 2])) for it in range(1, 6)]
    assert judge(history(header(wrapper=None), recs), "rank-divergent-steps") == []


def _exchange_off(it: int, missing: list[int], finished: list[int]) -> dict:
    """The event ranks.py / probes/cross_rank.py write when rank 0 gives up on ranks."""
    return {"type": "event", "kind": "dist-exchange-off", "it": it, "missing": missing, "finished": finished,
            "reason": f"no numbers from rank(s) {missing} for iteration {it} within 60 s: ...; not waited for again",
            "last": {str(r): [200, 150] for r in missing}, "rank0": [it, it]}


def test_rank_out_of_step_with_rank_0():
    """A rank still training whose sampled iterations no longer line up with rank 0's."""
    (f,) = judge(history(header(), [*healthy_ddp(), _exchange_off(250, [1], [])]), "rank-divergent-steps")
    assert f.step == 250 and f.evidence["ranks"] == [1]
    assert "rank 1 stopped reporting at iteration 250 while still training" in f.message
    assert "(last reports: rank 1 at iteration 200 with 150 steps; rank 0 now at iteration 250 with 250 steps)" in f.message


@pytest.mark.parametrize("kind", ["finished", "crashed", "sweep"])
def test_rank_left_out_for_other_reasons_is_not_divergent(kind):
    """A rank whose training loop had ended, a job that stopped with an error (a rank died),
    independent runs: no finding."""
    recs = [*healthy_ddp(), _exchange_off(250, [1], [1] if kind == "finished" else [])]
    if kind == "crashed":
        recs.append({"type": "event", "kind": "script-error", "it": 251, "error": "RuntimeError: Connection closed by peer"})
    hdr = header(wrapper=None) if kind == "sweep" else header()
    if kind == "sweep":
        recs = [step(it, ranks(it, diverged=[0])) for it in range(1, 4)] + recs[-1:]
    assert judge(history(hdr, recs), "rank-divergent-steps") == []


# ---------------------------------------------------------------------------------- the loader probe, end to end


def _ddp_like_loader(batch_sampler: bool = False) -> tuple[DataLoader, DistributedSampler]:
    g = torch.Generator().manual_seed(0)
    data = TensorDataset(torch.randn(64, 4, generator=g), torch.randn(64, 1, generator=g))
    sampler = DistributedSampler(data, num_replicas=2, rank=0, shuffle=True, seed=0)  # no process group needed
    if batch_sampler:
        return DataLoader(data, batch_sampler=BatchSampler(sampler, batch_size=4, drop_last=False)), sampler
    return DataLoader(data, batch_size=4, sampler=sampler), sampler


@pytest.mark.parametrize("fixed", [False, True])
def test_watch_finds_a_sampler_epoch_never_set(tmp_path, fixed):
    torch.manual_seed(0)
    model = nn.Linear(4, 1)
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    loader, sampler = _ddp_like_loader()
    with torchvitals.watch(model, opt, out=str(tmp_path), name="run", console=False) as mon:
        for epoch in range(3):
            if fixed:
                sampler.set_epoch(epoch)
            for x, y in loader:
                opt.zero_grad()
                torch.nn.functional.mse_loss(model(x), y).backward()
                opt.step()
    diag = mon.close()
    assert ("sampler-epoch-not-set" in diag.names("warning")) is not fixed
    events = [e for e in read_run(tmp_path / "run").events if e.get("kind") == "dataloader"]
    assert [e["dist_sampler"]["epoch"] for e in events] == ([0, 1, 2] if fixed else [0, 0, 0])


# ---------------------------------------------------------------------------------- what the core hands the rules


def test_a_rank_that_stepped_where_rank_0_did_not_is_still_seen():
    """Rank 1 stepped at an iteration where rank 0 skipped: its numbers carry update norms that
    rank 0's lack. It must still be in `seen` with its own stepped/steps (TV704's evidence), and
    its checksums still compared (TV701's), though its norms are not combined."""
    from torchvitals import ranks as ranks_mod
    from torchvitals.probes.cross_rank import REPLICATED, CrossRank

    store = torch.distributed.HashStore()
    chan0 = ranks_mod.Channel(store, seq=1, rank=0, world=2, timeout=5.0, live=[1])
    chan1 = ranks_mod.Channel(store, seq=1, rank=1, world=2, timeout=5.0, live=[1])
    events: list = []
    rank0 = CrossRank(chan0, lambda kind, **f: events.append(kind))
    rank1 = CrossRank(chan1, lambda kind, **f: events.append(kind))
    rank1.exchange(0, 50, [1.0, 2.0, 0.1, 0.2], [REPLICATED] * 4, [7, 9], "00000000000000aa", True, 41)
    values, field = rank0.exchange(0, 50, [1.0, 2.0], [REPLICATED] * 2, [7, 8], "00000000000000bb", False, 40)
    assert values == [1.0, 2.0] and events == []
    assert field["seen"] == [0, 1] and field["missing"] == []
    assert field["stepped"] == [False, True] and field["steps"] == [40, 41]
    assert field["diverged"] == [1] and field["batch"] == ["00000000000000bb", "00000000000000aa"]


def test_an_optimizer_made_on_rank_0_alone_does_not_split_the_exchange():
    """Rank 0 made one more optimizer than rank 1 before the training one (it built a model
    and optimizer to write a snapshot: benchmarks/real_code_distributed/ddp_tutorial.py), so
    the training optimizer is index 1 on rank 0 and 0 on rank 1. The ranks must still meet in
    the store: before, rank 0 waited the whole timeout at the first sample and then gave
    rank 1 up, and every cross-rank rule went blind for the rest of the job."""
    from torchvitals import ranks as ranks_mod
    from torchvitals.probes.cross_rank import REPLICATED, CrossRank

    store = torch.distributed.HashStore()
    chan0 = ranks_mod.Channel(store, seq=1, rank=0, world=2, timeout=0.2, live=[1])
    chan1 = ranks_mod.Channel(store, seq=1, rank=1, world=2, timeout=0.2, live=[1])
    events: list = []
    rank0 = CrossRank(chan0, lambda kind, **f: events.append(kind))
    rank1 = CrossRank(chan1, lambda kind, **f: events.append(kind))
    for it, check1 in ((1, 7), (50, 9)):
        rank1.exchange(0, it, [1.0], [REPLICATED], [check1], None, True, it)
        _, field = rank0.exchange(1, it, [1.0], [REPLICATED], [7], None, True, it)
        assert events == [] and field["seen"] == [0, 1], (it, events, field)
    assert field["diverged"] == [0]


def test_rank_0_combines_a_sample_when_it_takes_the_next_one():
    """Rank 0 never waits for the other ranks' numbers of the iteration it has just sampled: it
    combines them when it samples the next iteration, by which time they are published. Here
    rank 1 publishes iteration k's numbers only after rank 0's iteration k is over: with a wait
    at iteration k, rank 0 would give rank 1 up (the timeout is short); instead every record
    is combined, and none is written before the next sample is taken."""
    from torchvitals import ranks as ranks_mod
    from torchvitals.probes.cross_rank import CrossRank

    torch.manual_seed(0)
    model = nn.Linear(4, 2)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    mon = torchvitals.watch(model, opt, out="", console=False, every=1, preflight=False)
    store = torch.distributed.HashStore()
    events: list = []
    chan0 = ranks_mod.Channel(store, seq=1, rank=0, world=2, timeout=0.05, live=[1])
    chan1 = ranks_mod.Channel(store, seq=1, rank=1, world=2, timeout=0.05, live=[1])
    mon.sampler.cross = CrossRank(chan0, lambda kind, **f: events.append(kind))
    written = []
    for it in range(1, 5):
        loss = model(torch.randn(8, 4)).pow(2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        steps = [r for r in mon.history.steps if "g" in r]
        written.append([r["it"] for r in steps])
        # rank 1 publishes its numbers for this iteration late: after rank 0's step
        mine = ranks_mod.Report(1, it, True, it, None, [], [])
        ranks_mod.publish(chan1, 0, mine)
    assert chan0.live == [1], "rank 1 was never given up on"
    mon.close()
    steps = [r for r in mon.history.steps if "g" in r]
    assert written == [[], [1], [1, 2], [1, 2, 3]]
    assert [r["it"] for r in steps] == [1, 2, 3, 4]
    assert all(r["ranks"]["seen"] == [0, 1] and r["ranks"]["missing"] == [] for r in steps)
    assert events == []
