"""Batch rules: what the batch reaching the model looks like — merged into fewer samples than the
DataLoader's batch_size, one class at a time, or features and targets far from unit scale."""

from __future__ import annotations

import math
from typing import Any

from torchvitals.findings import Finding, severity_rank
from torchvitals.record import History, fold
from torchvitals.rules.base import RULES, CannotJudge, Rule, rule
from torchvitals.stats import Derived

# batch-collapsed: the share of DataLoader batches (the pass's last, possibly partial one left
# out) that reached the model with at most half their samples; "most iterations".
SHRUNK_SHARE = 0.5
# single-class-batches: a sampled batch holds this many times fewer distinct classes than a
# shuffled batch of its size drawn from the dataset's labels would (on average), ...
CLASS_SHORTFALL = 3.0
# ... where a shuffled batch would hold at least this many (fewer: imbalanced or binary data,
# where single-class batches happen by chance).
MIN_EXPECTED_CLASSES = 3.0
# Without the dataset's labels: sampled batches needed, the share of them holding at most
# FEW_CLASSES classes, and how many different classes must lead a batch across the run (the
# labels change from batch to batch: the data is sorted, not single-class).
MIN_BATCHES = 5
FEW_CLASSES = 2
FEW_SHARE = 0.8
MIN_LEADERS = 3
# ... in batches of at least this many targets (a shuffled batch of 16 from 3 balanced classes
# holds at most 2 of them with probability 3·(2/3)^16 ≈ 0.5%; batches of 2 always do).
MIN_TARGETS = 16
# unscaled-inputs / -targets: a feature whose root mean square is this far from unit scale (raw
# pixels 0..255 have ~130, prices 1e5; standardised or [0, 1] data have at most ~1): one order of
# magnitude.
SCALE_FAR = 10.0
# ... and a first-step gradient this large (global norm over the watched parameters; a freshly
# initialised network on unit-scale data has norms of about 0.1 to 10).
FIRST_GRAD = 100.0
# The first sampled iterations looked at for that gradient.
FIRST_RECORDS = 5
# Optimizers whose step is the gradient times the learning rate: for them a huge gradient is a
# huge step. Adam and its kin divide by the gradient's own scale (a 0..255 input trains there),
# so for them only a symptom finding counts.
PLAIN_STEP = ("SGD", "ASGD")
# Symptoms that an unscaled input or target explains (the findings of other rules, warning+).
SYMPTOMS = ("exploding-gradient", "nonfinite-gradient", "nonfinite-loss", "lr-too-large", "prediction-collapse")
# First layers that rescale their input themselves.
NORM_LAYERS = ("BatchNorm", "LayerNorm", "GroupNorm", "InstanceNorm", "RMSNorm", "LocalResponseNorm")
KEEP = 256  # sampled records of class counts kept by the fold
# single-class-labels: sampled training batches whose targets are all the dataset's one class,
# and the samples that dataset must hold (a handful of examples is a test, not a training set).
ONE_CLASS_BATCHES = 3
ONE_CLASS_MIN_SAMPLES = 32
# Scores that are similarities, not a classifier's outputs: a contrastive loss (SimCLR's, MoCo's)
# puts the positive in column 0 of every row, so its targets are class 0 by construction, even
# for images read from one ImageFolder class.
SIMILARITY_OPS = ("Div", "Mul", "Cat", "Bmm", "Mm", "Matmul", "Einsum")


def _init() -> dict[str, Any]:
    return {"in": [], "target": [], "grad": [], "cls": [], "bs": None, "bs_it": None}


@fold("batches", _init)
def _fold_batches(state: dict[str, Any], h: History, rec: dict[str, Any], d: Derived) -> None:
    if rec.get("opt") != 0:
        return
    it = rec["it"]
    if "in" in rec and len(state["in"]) < FIRST_RECORDS:
        state["in"].append(rec["in"])
    out = rec.get("out") or {}
    if isinstance(out.get("target_rms"), (int, float)) and len(state["target"]) < FIRST_RECORDS:
        state["target"].append((it, float(out["target_rms"])))
    if "g" in rec and len(state["grad"]) < FIRST_RECORDS:
        state["grad"].append((it, math.sqrt(sum(g * g for g in rec["g"] if g is not None and math.isfinite(g)))))
    if all(isinstance(out.get(k), (int, float)) for k in ("batch_classes", "batch_targets", "batch_mode")):
        if len(state["cls"]) < KEEP:
            state["cls"].append((it, out["batch_classes"], out["batch_targets"], out["batch_mode"], out.get("out_op")))
    if "bs" in rec:
        state["bs"] = (it, rec["bs"])
        if state["bs_it"] is None and _shrunk(rec["bs"]):
            state["bs_it"] = it


def _shrunk(bs: dict[str, int]) -> bool:
    return bs["n"] > 0 and bs["small"] / bs["n"] > SHRUNK_SHARE


@rule(
    "TV601",
    "batch-collapsed",
    what=f"Training batches that reach the model with at most half the samples of the DataLoader's "
    f"batch_size, on more than {SHRUNK_SHARE:.0%} of the batches (the last, possibly partial batch of "
    "each pass left out; loaders with a batch_sampler, iterable datasets without a length and "
    "sequence-first inputs whose dim 1 is the batch are not judged).",
    why="A collate_fn or processor that merges the samples of a batch (stacks then averages them, "
    "concatenates then takes a mean, returns one sample) trains on a fraction of the data with a "
    "gradient that is the average of many examples: the loss goes down a little and the model "
    "learns almost nothing. Nothing fails; the batch is just smaller than the code says.",
    example="""
def collate(samples):
    xs = torch.stack([x for x, _ in samples])
    return xs.mean(0, keepdim=True), ...          # 64 samples in, one averaged sample out
loader = DataLoader(ds, batch_size=64, collate_fn=collate)
""",
    fix="Make the collate_fn keep one row per sample (torch.stack, not a reduction over the "
    "batch; default_collate when nothing special is needed), and check that a processor or "
    "tokenizer returns the whole batch (batched=True, padding) rather than one example.",
)
def batch_collapsed(h: History, r: Rule) -> list[Finding]:
    st = h.folded("batches")
    if st["bs"] is None:
        raise CannotJudge("no training forward of a DataLoader batch with a known batch_size")
    it, bs = st["bs"]
    if not _shrunk(bs):
        return []
    return [
        r.finding(
            "warning",
            f"{bs['small']} of {bs['n']} DataLoader batches reached the model with at most half their "
            f"samples: {bs['size']} sample(s) where the DataLoader's batch_size is {bs['expect']} "
            "(a collate_fn or processor merges the samples of a batch)",
            evidence={"batches": bs["n"], "shrunk": bs["small"], "size": bs["size"], "batch_size": bs["expect"]},
            step=st["bs_it"] if st["bs_it"] is not None else it,
        )
    ]


def _expected_classes(classes: list[float], b: float) -> float:
    """Distinct classes in a batch of b labels drawn at random from these class counts."""
    total = sum(classes)
    return sum(1.0 - (1.0 - c / total) ** b for c in classes if c > 0)


def _class_batches(h: History) -> list[tuple]:
    """The sampled classification batches' (iteration, classes, targets, most frequent class,
    op that made the scores); CannotJudge without one."""
    cls = h.folded("batches")["cls"]
    if not cls:
        raise CannotJudge("no sampled classification batch with targets at the loss")
    return cls


def _labels(h: History) -> dict[str, Any] | None:
    ev = [e for e in h.events if e.get("kind") == "dataset-labels"]
    return ev[-1] if ev else None


def _single_class_at(cls: list[tuple], labels: dict[str, Any] | None) -> dict[str, Any] | None:
    """The evidence when these sampled batches hold far fewer classes than the data (else None)."""
    k = sum(c[1] for c in cls) / len(cls)
    if labels is not None:
        expected = sum(_expected_classes(labels["classes"], c[2]) for c in cls) / len(cls)
        if expected >= MIN_EXPECTED_CLASSES and k * CLASS_SHORTFALL <= expected:
            return {"classes_per_batch": round(k, 2), "shuffled_would_hold": round(expected, 2), "batches": len(cls),
                    "dataset_classes": sum(1 for c in labels["classes"] if c > 0)}
        return None
    few = sum(1 for c in cls if c[1] <= FEW_CLASSES)
    leaders = len({c[3] for c in cls})
    targets = sum(c[2] for c in cls) / len(cls)
    if len(cls) >= MIN_BATCHES and targets >= MIN_TARGETS and few >= FEW_SHARE * len(cls) and leaders >= MIN_LEADERS:
        return {"classes_per_batch": round(k, 2), "batches": len(cls), "few_class_batches": few, "leading_classes": leaders}
    return None


@rule(
    "TV602",
    "single-class-batches",
    what=f"Training batches of a classifier that hold {CLASS_SHORTFALL:g}× fewer distinct classes than "
    f"a shuffled batch of the same size would (when that is at least {MIN_EXPECTED_CLASSES:g}), judged on "
    "the labels at the loss call against the training dataset's labels; without readable dataset "
    f"labels, when {FEW_SHARE:.0%} of sampled batches (of {MIN_TARGETS} targets or more) hold at most {FEW_CLASSES} classes while at least "
    f"{MIN_LEADERS} different classes lead them. The runtime counterpart of lint TVL015.",
    why="Data sorted by class and loaded without shuffling gives the model one class for hundreds "
    "of steps, then the next: each stretch pulls the output towards the current class, the model "
    "forgets the previous ones, and the loss swings while accuracy stays near chance. BatchNorm's "
    "statistics are those of one class at a time.",
    example="""
ds = TensorDataset(x_sorted_by_label, y_sorted)
loader = DataLoader(ds, batch_size=32)        # shuffle=False: class 0, then class 1, ...
""",
    fix="Shuffle the training data: DataLoader(..., shuffle=True) (or a RandomSampler / "
    "DistributedSampler with shuffle=True and set_epoch() each epoch); for an IterableDataset, a "
    "shuffle buffer or interleaved shards.",
)
def single_class_batches(h: History, r: Rule) -> list[Finding]:
    cls = _class_batches(h)
    labels = _labels(h)
    for n in range(1, len(cls) + 1):
        ev = _single_class_at(cls[:n], labels)
        if ev is None:
            continue
        if labels is not None and labels.get("shuffle") is False:
            ev["loader"], ev["shuffle"] = labels.get("loader"), False
        where = f"{labels['loader']} (shuffle=False): " if labels is not None and labels.get("shuffle") is False else ""
        return [
            r.finding(
                "warning",
                f"{where}sampled training batches hold {ev['classes_per_batch']:g} class(es) on average"
                + (f", where shuffled batches of the dataset's {ev['dataset_classes']} classes would hold "
                   f"{ev['shuffled_would_hold']:g}" if "shuffled_would_hold" in ev else
                   f", while {ev['leading_classes']} different classes lead them in turn")
                + ": the data reaches the model sorted by class",
                evidence=ev,
                step=cls[n - 1][0],
            )
        ]
    return []


def _one_class(labels: dict[str, Any]) -> int | None:
    """The one class every label of the dataset is, when there is only one (else None)."""
    present = [k for k, c in enumerate(labels["classes"]) if c > 0]
    return present[0] if len(present) == 1 and sum(labels["classes"]) >= ONE_CLASS_MIN_SAMPLES else None


@rule(
    "TV608",
    "single-class-labels",
    what="Every label of the training dataset is one class (read from the DataLoader's dataset: "
    "a TensorDataset's integer column, `targets` or `labels`, a Hugging Face Dataset's `label` "
    f"column; {ONE_CLASS_MIN_SAMPLES} samples or more), and the targets of {ONE_CLASS_BATCHES} sampled training "
    "batches at a classification loss are all that class, while the model scores two classes or more "
    "(scores that are similarities, as a contrastive loss's, are not judged).",
    why="A label mapping that misses (`label2id.get(label, 0)` on labels spelled another way), a "
    "wrong column, or labels overwritten while preprocessing leave one class in the data. Nothing "
    "fails: the loss falls to zero within an epoch and accuracy reads 100%, on training and "
    "validation data alike when both went through the same code. The model has learned to answer "
    "one class whatever it is shown.",
    example="""
label_to_id = {"negative": 0, "positive": 1}
label = label_to_id.get(example["label"].capitalize(), 0)   # "Positive" is no key: every label is 0
""",
    fix="Count the labels before training (`collections.Counter(dataset['label'])`, "
    "`torch.bincount(dataset.targets)`) and fix the step that makes them: the mapping's keys, the "
    "column read, the preprocessing that writes the label.",
)
def single_class_labels(h: History, r: Rule) -> list[Finding]:
    cls = _class_batches(h)
    labels = _labels(h)
    if labels is None:
        raise CannotJudge("the training dataset's labels could not be read")
    k = _one_class(labels)
    if k is None:
        return []
    run = [c for c in cls if c[1] == 1 and c[3] == k and c[4] not in SIMILARITY_OPS]
    if len(run) < ONE_CLASS_BATCHES or len(run) < len(cls):
        return []
    samples = sum(labels["classes"])
    return [
        r.finding(
            "warning",
            f"every label of {labels['loader']}'s dataset is class {k} ({samples} samples), and so are "
            f"the targets of every sampled training batch: the model can score perfectly by always answering "
            f"class {k}, and learns nothing from its inputs",
            evidence={"loader": labels["loader"], "class": k, "samples": samples, "batches": len(run)},
            step=run[ONE_CLASS_BATCHES - 1][0],
        )
    ]


def _symptom(h: History, grads: list[tuple[int, float]]) -> tuple[str, int | None] | None:
    """What an unscaled input or target did: a huge first-step gradient (under a plain-step
    optimizer), or a symptom finding."""
    opts = h.optimizers
    plain = bool(opts) and str(opts[0].get("type", "")) in PLAIN_STEP
    for it, norm in grads if plain else ():
        if norm >= FIRST_GRAD:
            return f"global gradient norm {norm:.3g} at iteration {it}", it
    for name in SYMPTOMS:
        r = RULES.get(name)
        if r is None:
            continue
        try:
            found = r.fn(h)
        except Exception:  # CannotJudge or a rule's own error: no symptom from it
            continue
        hits = [f for f in found if severity_rank(f.severity) >= severity_rank("warning")]
        if hits:
            return name, min((f.step for f in hits if f.step is not None), default=None)
    return None


def _unscaled(r: Rule, kind: str, it: int, scale: float, symptom: tuple[str, int | None] | None, extra: dict[str, Any]) -> Finding:
    sev = "warning" if symptom is not None else "info"
    what = "the model's input" if kind == "inputs" else "the regression target"
    msg = f"{what} has features with a root mean square of {scale:.3g} (unit scale is about 1)"
    msg += f"; what it causes: {symptom[0]}" if symptom else "; training shows no symptom of it yet"
    step = it if symptom is None or symptom[1] is None else max(it, symptom[1])  # warned once both are seen
    return r.finding(sev, msg, evidence={"rms": scale, "symptom": symptom[0] if symptom else None, **extra}, step=step)


@rule(
    "TV603",
    "unscaled-inputs",
    what=f"A floating-point input to the model whose largest per-feature root mean square is at least "
    f"{SCALE_FAR:g} (raw 0..255 pixels, prices, unnormalised tabular columns), with a first-step gradient "
    f"norm of {FIRST_GRAD:g} or more (under SGD, whose step is the gradient's size) or an exploding gradient, a too-large learning rate or collapsed "
    "predictions (a warning); alone, an info. Integer inputs (token ids) and models whose first layer "
    "is a normalisation layer are not judged.",
    why="A layer's gradient scales with its input: features in the hundreds give first steps "
    "hundreds of times larger than the learning rate was chosen for, ReLUs die, and the run "
    "explodes or collapses to a constant. The symptom findings point at the optimizer; the cause "
    "is the data.",
    example="""
x = torch.tensor(images, dtype=torch.float32)   # 0..255, never divided by 255
loss = F.cross_entropy(model(x), y)
""",
    fix="Scale the inputs to unit range: divide pixels by 255 (then Normalize with the dataset's "
    "mean and std), standardise tabular columns with statistics of the training split "
    "((x - mean) / std), or put a BatchNorm/LayerNorm first.",
)
def unscaled_inputs(h: History, r: Rule) -> list[Finding]:
    st = h.folded("batches")
    if not st["in"]:
        raise CannotJudge("no sampled floating-point input to the model")
    for rec in st["in"]:
        if rec["first"].startswith(NORM_LAYERS):
            return []
        if rec["rms_max"] >= SCALE_FAR:
            extra = {"rms_median": rec["rms_med"], "first_layer": rec["first"]}
            return [_unscaled(r, "inputs", rec["it"], rec["rms_max"], _symptom(h, st["grad"]), extra)]
    return []


@rule(
    "TV604",
    "unscaled-targets",
    what=f"A regression target (at the loss) whose largest per-feature root mean square is at least "
    f"{SCALE_FAR:g}, with a first-step gradient norm of {FIRST_GRAD:g} or more (under SGD) or an exploding "
    "gradient, a too-large learning rate or collapsed predictions (a warning); alone, an info.",
    why="The loss's gradient scales with the target: a target around 50 (or 1e5) makes the first "
    "steps enormous; hidden units die and the model ends up predicting one constant, the target's "
    "mean. The gradient and collapse findings are the symptoms; the cause is the target's scale.",
    example="""
y = prices                                   # around 1e5
loss = F.mse_loss(model(x), y)
""",
    fix="Standardise the target with the training split's statistics (y_n = (y - mean) / std), "
    "train on y_n, and map predictions back (pred * std + mean); or predict log(y).",
)
def unscaled_targets(h: History, r: Rule) -> list[Finding]:
    st = h.folded("batches")
    if not st["target"]:
        raise CannotJudge("no sampled regression target at the loss")
    for it, rms in st["target"]:
        if rms >= SCALE_FAR:
            return [_unscaled(r, "targets", it, rms, _symptom(h, st["grad"]), {})]
    return []
