"""Output-health rules on what reaches the loss: prediction and target shapes that broadcast
instead of matching, float class targets, probabilities given where logits are expected."""

from __future__ import annotations

from itertools import zip_longest
from typing import Any

from torchvitals.findings import Finding
from torchvitals.losses import BY_KIND
from torchvitals.record import History
from torchvitals.rules.base import CannotJudge, Rule, rule
from torchvitals.rules.outputs import (
    _WANTS_LOG_PROBS,
    _WANTS_LOGITS,
    LOG_PROB_MAX,
    PROB_HITS,
    out_run,
)

_INPUT_EVENTS = ("loss-input-shape", "loss-input-float-target")


def _shape(x: Any) -> bool:
    return isinstance(x, list) and all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in x)


def _broadcast(a: tuple[int, ...], b: tuple[int, ...]) -> tuple[int, ...] | None:
    """The shape `a` and `b` broadcast to (torch.broadcast_shapes), None when they do not."""
    out = []
    for x, y in zip_longest(reversed(a), reversed(b), fillvalue=1):
        if x == y or y == 1:
            out.append(x)
        elif x == 1:
            out.append(y)
        else:
            return None
    return tuple(reversed(out))


def loss_input_text(e: dict[str, Any]) -> str:
    """What a loss-input event shows, from its evidence: the shapes of a float target and its
    prediction that differ (an element-wise loss broadcasts them), or a float target given to a
    loss taking class indices. An event without that evidence (PyTorch's own warning, or a run
    written before the probe recorded it) says what it holds."""
    kind = e.get("kind")
    if kind == "loss-input-shape" and _shape(e.get("pred")) and _shape(e.get("target")):
        pred, target = tuple(e["pred"]), tuple(e["target"])
        out = _broadcast(pred, target)
        if out is None:
            return f"prediction {pred} and target {target} do not broadcast"
        return (
            f"prediction {pred} and target {target} broadcast to {out}: an "
            f"element-wise loss compares every prediction with every target"
        )
    if kind == "loss-input-float-target" and _shape(e.get("target")) and isinstance(e.get("dtype"), str) and isinstance(e.get("loss_kind"), str):
        return (
            f"a float target {tuple(e['target'])} ({e['dtype']}) was given to {e['loss_kind']}: it is read as "
            "class probabilities per row, not as class indices"
        )
    return str(e.get("text", kind))


@rule(
    "TV303",
    "loss-input-mismatch",
    what="A prediction and target whose shapes broadcast instead of matching (pred (B,1) vs "
    "target (B,) in MSE compares every prediction with every target), or a float target given "
    "to a class-index loss.",
    why="The loss is computed and falls, but over the wrong pairs: the model learns the target "
    "mean. PyTorch warns once, in a line that scrolls away.",
    example="""
pred = model(x)                      # (B, 1)
loss = F.mse_loss(pred, y)           # y is (B,): the loss is over a (B, B) matrix
""",
    fix="Make the shapes equal: pred.squeeze(-1) or y.unsqueeze(-1). For class-index losses pass "
    "integer (long) targets; float targets are read as per-class probabilities.",
)
def loss_input_mismatch(h: History, r: Rule) -> list[Finding]:
    events = [e for e in h.events if e.get("kind") in _INPUT_EVENTS]
    if not events and not out_run(h).n and not h.epochs:
        raise CannotJudge("no observed prediction/target pair (observe(pred, target))")
    out = []
    for kind in _INPUT_EVENTS:  # one finding per problem, however many places reported it
        same = [e for e in events if e["kind"] == kind]
        if not same:
            continue
        own = [e for e in same if not str(e.get("text", "")).startswith("PyTorch warned")]
        first = (own or same)[0]
        also = " (PyTorch warned about it too)" if own and len(own) < len(same) else ""
        out.append(
            r.finding(
                "warning",
                loss_input_text(first) + also,
                evidence={k: v for k, v in first.items() if k not in ("type", "text")} | {"reports": len(same)},
                where=["loss"],
                step=min(e.get("it") or 0 for e in same),
            )
        )
    return out

@rule(
    "TV304",
    "probabilities-as-logits",
    what="Outputs that are already probabilities fed where logits or log-probabilities are "
    "expected: rows in [0, 1] summing to 1 given to cross-entropy with class-index targets, or "
    "to KL-div/NLL; or the output of a sigmoid or softmax (the autograd op that produced the "
    "values, seen through reshapes) given to binary_cross_entropy_with_logits, cross_entropy, "
    f"nll_loss or kl_div. In {PROB_HITS} sampled iterations or more. Under `torchvitals run` every "
    "training loss call of a sampled iteration is looked at, not only the one the metrics come "
    "from (the kl_div beside a distillation's cross_entropy).",
    why="cross_entropy applies log_softmax itself: a softmax before it squashes the gradient, "
    "training crawls and plateaus early. BCEWithLogitsLoss applies its own sigmoid: after "
    "nn.Sigmoid it sees sigmoid(sigmoid(z)), confined to (0.5, 0.73), so it can never predict "
    "the negative class confidently and the loss stays high however good the model is. kl_div "
    "and nll_loss expect log-probabilities and silently compute something else from "
    "probabilities.",
    example="""
probs = torch.softmax(model(x), dim=-1)
loss = F.cross_entropy(probs, y)     # softmax applied twice

model = nn.Sequential(nn.Linear(12, 1), nn.Sigmoid())
loss = nn.BCEWithLogitsLoss()(model(x), y)   # sigmoid applied twice
""",
    fix="Pass the raw logits to cross_entropy and BCEWithLogitsLoss (drop the softmax or "
    "nn.Sigmoid from the model; apply it only when you need probabilities for prediction), or "
    "keep the sigmoid and use nn.BCELoss. Give kl_div and nll_loss log_softmax outputs.",
)
def probabilities_as_logits(h: History, r: Rule) -> list[Finding]:
    run = out_run(h)
    first = run.prob.shown("no sampled multi-class output, and no output whose loss and producing op are known")
    if first is None:
        return []
    o, how = first
    kind = o.get("loss_kind") or "cross_entropy"
    expected = "log-probabilities" if kind in _WANTS_LOG_PROBS else "logits"
    step = run.prob.step
    evidence = {"sampled": run.prob.n, "hits": run.prob.hits, "loss_kind": kind}
    if how == "rows":
        return [
            r.finding(
                "warning",
                f"the outputs given with class targets are probabilities (rows in [0, 1] summing to 1) in "
                f"{run.prob.hits} of {run.prob.n} sampled iterations; {kind} expects {expected}",
                evidence=evidence,
                where=["output"],
                step=step,
            )
        ]
    op = o["out_op"].lower()
    lo, hi = run.prob_lo, run.prob_hi
    # What the loss does with them: applies its own sigmoid/softmax again, or takes them as logs.
    own = "softmax" if kind == "cross_entropy" else "sigmoid"
    does = f"it applies its own {own} and sees {own}({op}(z))" if kind in _WANTS_LOGITS else f"it expects {expected}"
    # The range is known for the observed loss's values; another loss's (torchvitals run sees
    # every loss call) are not read, and a sigmoid's or softmax's are in [0, 1] anyway.
    seen = lo <= hi
    return [
        r.finding(
            "warning",
            f"the values given to {kind} are the output of a {op}" + (f" (all in [{lo:.3g}, {hi:.3g}])" if seen else "")
            + f" in {run.prob.hits} of {run.prob.n} sampled iterations: {does}",
            evidence=evidence | {"op": o["out_op"]} | ({"min": lo, "max": hi} if seen else {}),
            where=["output"],
            step=step,
        )
    ]


@rule(
    "TV309",
    "clipped-logits",
    what="Values given to a loss that applies its own softmax or sigmoid (cross_entropy, "
    "binary_cross_entropy_with_logits) that come out of a ReLU (the autograd op that produced "
    f"them, seen through reshapes), all at or above 0. In {PROB_HITS} sampled iterations or more.",
    why="Logits live on the whole real line. Clipped at 0, a binary logit's sigmoid never goes "
    "below 0.5: the negative class can never be predicted. For cross_entropy a class whose "
    "logit the ReLU holds at 0 for every input gets no gradient and never comes back: that "
    "class is never predicted, and the accuracy stalls below what the model could reach, "
    "with nothing else looking wrong.",
    example="""
self.head = nn.Sequential(nn.Linear(256, 10), nn.ReLU())   # a ReLU after the last layer
loss = F.cross_entropy(self.head(h), y)
""",
    fix="Drop the activation after the last layer: the loss wants the raw scores. Keep ReLUs "
    "between hidden layers only.",
)
def clipped_logits(h: History, r: Rule) -> list[Finding]:
    run = out_run(h)
    first = run.clip.shown("no sampled output whose loss and producing op are known")
    if first is None:
        return []
    kind = first["loss_kind"]
    does = (
        "its sigmoid never goes below 0.5, so the negative class can never be predicted"
        if kind == "binary_cross_entropy_with_logits"
        else "a class whose logit the ReLU holds at 0 gets no gradient and can never be predicted again"
    )
    return [
        r.finding(
            "warning",
            f"the values given to {kind} come out of a ReLU (none below 0) in {run.clip.hits} of "
            f"{run.clip.n} sampled iterations: {does}",
            evidence={"sampled": run.clip.n, "hits": run.clip.hits, "loss_kind": kind},
            where=["output"],
            step=run.clip.step,
        )
    ]


@rule(
    "TV310",
    "logits-as-log-probs",
    what="Values above 0 given where log-probabilities are expected (nll_loss, ctc_loss, the "
    f"input of kl_div), in {PROB_HITS} sampled iterations or more: a log-probability is at most "
    "0, so these are raw scores that no log_softmax normalised.",
    why="These losses take their input as log-probabilities and apply nothing to it. On raw "
    "scores, nll_loss is minimised by making the right score large without bound (the loss goes "
    "below zero), and CTC's sum over alignments is no likelihood: the model can lower the loss "
    "without learning to tell the classes apart (a speech model that never emits a character).",
    example="""
logits = model(x)                                   # (B, C), or (T, B, C) for CTC
loss = F.nll_loss(logits, y)                        # log_softmax forgotten
loss = nn.CTCLoss(blank=0)(logits, targets, input_lengths, target_lengths)
""",
    fix="Apply log_softmax over the class dimension first (F.log_softmax(logits, dim=-1)), or use "
    "cross_entropy, which applies it itself, in place of log_softmax + nll_loss.",
)
def logits_as_log_probs(h: History, r: Rule) -> list[Finding]:
    run = out_run(h)
    o = run.logp.shown("no sampled output given to a loss that takes log-probabilities")
    if o is None:
        return []
    kind = o.get("loss_kind")
    shown = BY_KIND[kind].func if kind in BY_KIND else kind  # "nll" is nll_loss to the user
    return [
        r.finding(
            "warning",
            f"the values given to {shown} reach {o['max']:.3g} in {run.logp.hits} of {run.logp.n} sampled "
            f"iterations; {shown} expects log-probabilities, which are at most 0: raw scores, without log_softmax",
            evidence={"sampled": run.logp.n, "hits": run.logp.hits, "loss_kind": kind, "max": o["max"],
                      "threshold": LOG_PROB_MAX},
            where=["output"],
            step=run.logp.step,
        )
    ]
