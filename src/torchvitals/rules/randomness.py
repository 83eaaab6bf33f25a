"""Randomness rules: a Dataset whose random augmentations repeat across DataLoader workers or
epochs (the evidence: `loader-randomness` events, probes/worker_rng.py)."""

from __future__ import annotations

from typing import Any

from torchvitals.findings import Finding
from torchvitals.record import History
from torchvitals.rules.base import CannotJudge, Rule, rule

# Reads compared per worker before equal fingerprints count. An augmentation with only two
# outcomes (a coin-flip horizontal flip) makes two properly seeded workers agree on all of them
# with probability 2^-12 ≈ 0.0002; anything with more outcomes, far less.
MIN_DRAWS = 12


@rule(
    "TV605",
    "repeated-randomness",
    what="A Dataset whose items are random (augmentation, noise, crops) but whose DataLoader workers "
    "draw the same random numbers: worker 1 produces exactly what worker 0 produces, or a worker "
    "started for the next epoch repeats the previous epoch's draws. Seen once per DataLoader with "
    "num_workers > 0, by reading one item 16 times in forked copies of the process set up "
    "as torch sets up workers (workers 0 and 1 of the first pass; worker 0 again when a second "
    "pass starts new workers, from the Dataset as the loop left it) and comparing exact "
    "fingerprints of what they return. An IterableDataset, a platform without fork (Windows, "
    "macOS) and items that cannot be fingerprinted (custom objects) are not judged.",
    why="torch reseeds Python's `random`, NumPy's global `np.random` and torch's own global "
    "generator in every worker, but not a generator the Dataset owns (`self.rng = "
    "np.random.RandomState(0)`, `random.Random(0)`, `np.random.default_rng(0)`, a "
    "`torch.Generator` made in `__init__`, or one at module level). Each worker starts from a "
    "copy of the same state, so N workers apply one stream of augmentation N times over, and with "
    "persistent_workers=False every epoch replays the first: with a fixed sample order each "
    "sample sees one and the same 'random' augmentation all run long. Nothing fails; the model "
    "just gets a fraction of the augmentation it was meant to (pytorch/pytorch#5059, "
    "'Using PyTorch + NumPy? You're making a mistake').",
    example="""
class Noisy(Dataset):
    def __init__(self, x):
        self.x = x
        self.rng = np.random.RandomState(0)         # copied into every worker as it is
    def __getitem__(self, i):
        return self.x[i] + self.rng.normal(size=self.x[i].shape)

loader = DataLoader(Noisy(x), batch_size=32, num_workers=4)   # 4 workers, one noise stream
""",
    fix="Give each worker its own generator, seeded from the seed torch gives that worker (it "
    "differs per worker and per epoch): `def seed_worker(_): info = "
    "torch.utils.data.get_worker_info(); info.dataset.rng = np.random.default_rng(info.seed)` and "
    "`DataLoader(..., worker_init_fn=seed_worker)` (a seed from the worker id alone still repeats "
    "every epoch); or draw from the global generators torch already reseeds (`np.random.*`, "
    "`random.*`, `torch.rand(...)` without a generator, torchvision transforms).",
)
def repeated_randomness(h: History, r: Rule) -> list[Finding]:
    seen: dict[str, dict[str, Any]] = {}  # loader → its first pass's experiment
    second: dict[str, dict[str, Any]] = {}  # loader → its second pass's check of the epochs
    loaders = False
    for e in h.events:
        if e.get("kind") == "loader-randomness":
            (second if e.get("pass") == 2 else seen).setdefault(str(e.get("loader")), e)
        loaders = loaders or e.get("kind") == "dataloader"
    if not seen:
        if loaders:  # every loader read in the main process: one stream of draws, nothing repeats
            return []
        raise CannotJudge("no DataLoader was iterated")
    judged = {k: e for k, e in seen.items() if "unobserved" not in e}
    if not judged:
        raise CannotJudge("; ".join(f"{k}: {e.get('unobserved')}" for k, e in seen.items()))
    out = []
    for name, e in judged.items():
        draws, distinct = e.get("draws"), e.get("distinct")
        if not (isinstance(draws, int) and isinstance(distinct, int)) or draws < MIN_DRAWS or distinct < 2:
            continue  # too few reads, or the items are not random: nothing can repeat
        later = second.get(name, {})
        workers = e.get("same_workers") is True
        epochs = later.get("same_epochs") is True and isinstance(later.get("draws"), int) and later["draws"] >= MIN_DRAWS
        if workers or epochs:
            out.append(_finding(r, name, e, workers, epochs, e.get("it") if workers else later.get("it")))
    return out


def _finding(r: Rule, name: str, e: dict[str, Any], workers: bool, epochs: bool, it: Any) -> Finding:
    n = e.get("num_workers")
    sequential = e.get("sampler") == "sequential"
    parts = []
    if workers:
        parts.append(f"its {n} DataLoader workers draw the same random numbers (worker 1 returned exactly "
                     f"worker 0's {e['draws']} reads of one item, which were {e['distinct']} different results)")
    if epochs:
        parts.append("the second epoch's workers (persistent_workers=False) replayed the first epoch's draws"
                     + (", and with an unshuffled sampler every sample gets the same 'random' result every epoch"
                        if sequential else ""))
    tail = ("; its worker_init_fn does not reseed the generator the Dataset draws from"
            if e.get("worker_init_fn") else "; no worker_init_fn reseeds the generator the Dataset owns")
    # A repeat across workers, or across epochs of an unshuffled loader, takes augmentation away;
    # a shuffled single worker's epochs put the replayed draws on other samples (still random).
    severity = "warning" if workers or sequential else "info"
    return r.finding(
        severity,
        f"{name}: " + "; ".join(parts) + tail,
        evidence={**{k: e.get(k) for k in ("loader", "num_workers", "persistent_workers", "worker_init_fn",
                                           "sampler", "draws", "distinct", "same_workers")}, "same_epochs": epochs},
        where=[name],
        step=it if isinstance(it, int) else None,
    )
