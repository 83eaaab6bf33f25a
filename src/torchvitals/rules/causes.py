"""Root causes and the symptoms they explain: when a structural finding explains another one,
the diagnosis leads with the cause and marks the symptom `follows_from` it.

One table, read top to bottom: cause name → (symptom names, the condition under which the cause
explains that symptom). Conditions are judged on the two findings alone (their `where`, `step`
and evidence), never on guesses: a cause that cannot be tied to the symptom leaves it alone.
A cause at info that explains a symptom at warning or above is raised to the symptom's severity,
so the diagnosis never ranks the consequence above its reason.
"""

from __future__ import annotations

from collections.abc import Callable

from torchvitals.findings import Finding, severity_rank

# A cause explains a symptom when...
Condition = Callable[[Finding, Finding], bool]


def anywhere(cause: Finding, symptom: Finding) -> bool:
    """...it is in the same run: the symptom is about the whole run (loss, metrics, outputs)
    and the cause stops the whole optimizer (skipped steps, uncleared gradients)."""
    return True


def same_where(cause: Finding, symptom: Finding) -> bool:
    """...both name a common parameter bucket or optimizer (dead parameters that do not move)."""
    return bool(set(cause.where) & set(symptom.where))


def not_later(cause: Finding, symptom: Finding) -> bool:
    """...the cause was seen no later than the symptom: gradients that exploded before the loss
    went NaN explain the NaN; a NaN loss after the explosion does not explain the explosion."""
    return cause.step is None or symptom.step is None or cause.step <= symptom.step


def earlier(cause: Finding, symptom: Finding) -> bool:
    """...the cause was seen strictly before the symptom (a NaN gradient applied at one step
    makes the next step's loss NaN; a NaN loss makes its own step's gradient NaN)."""
    return cause.step is not None and symptom.step is not None and cause.step < symptom.step


def at_warning(cause: Finding, symptom: Finding) -> bool:
    """...the cause is itself a problem (warning or above), not a note about a few parameters."""
    return severity_rank(cause.severity) >= severity_rank("warning")


# Half the model's values frozen (or left out) is a model whose training is mostly elsewhere
# than the user believes; fewer is a deliberate partial freeze, whose symptoms have other causes.
MOST = 0.5


def most_of_model(cause: Finding, symptom: Finding) -> bool:
    """...the cause covers at least half of the model's values (evidence `share`)."""
    share = cause.evidence.get("share")
    return isinstance(share, (int, float)) and share >= MOST


def most_of_model_still(cause: Finding, symptom: Finding) -> bool:
    """...it covers at least half of the model's values and those do not change: parameters in
    no optimizer that something else updates (a target network copied from the trained one)
    hold nothing back. Parameters frozen on purpose and left in the optimizer (a LoRA or
    head-only fine-tune over model.parameters()) are not that: see `idle_optimizer`."""
    frozen = cause.evidence.get("frozen")
    return not frozen and most_of_model(cause, symptom) and cause.evidence.get("changed_at") is None


def idle_optimizer(cause: Finding, symptom: Finding) -> bool:
    """...the symptom is about an optimizer that holds frozen parameters and nothing else (made
    before the trainable ones were added to the model, or from a frozen copy)."""
    return bool(set(cause.evidence.get("idle_optimizers") or ()) & set(symptom.where))


def same_optimizer(cause: Finding, symptom: Finding) -> bool:
    """...both name a common parameter bucket, or the symptom names the optimizer that holds
    the cause's parameters (its steps had nothing to apply because they are dead)."""
    return same_where(cause, symptom) or cause.evidence.get("optimizer") in symptom.where


# cause → [(symptoms, condition)]. `unscaled-inputs` and `unscaled-targets` are produced by the
# data rules (issue 17); a name no rule produces is simply never matched.
_NONFINITE = ("nonfinite-gradient", "nonfinite-loss")
_PROGRESS = ("loss-not-decreasing", "metric-stagnation", "worse-than-baseline")
CAUSES: dict[str, list[tuple[tuple[str, ...], Condition]]] = {
    # Inputs in their raw units make the first logits (or predictions) huge: the loss at
    # initialisation is off because of them.
    "unscaled-inputs": [(("exploding-gradient", "init-loss-off", "lr-too-large", "prediction-collapse", *_NONFINITE), anywhere)],
    "unscaled-targets": [(("exploding-gradient", "init-loss-off", "lr-too-large", "prediction-collapse", *_NONFINITE), anywhere)],
    "grads-not-cleared": [(("exploding-gradient", "lr-too-large", "prediction-collapse", *_NONFINITE), anywhere)],
    "skipped-steps": [(("parameters-not-moving", *_PROGRESS), anywhere)],
    "unoptimized-parameters": [
        (("lr-too-large", "lr-too-small", "parameters-not-moving", "prediction-collapse", *_PROGRESS), most_of_model_still),
        (("parameters-not-moving",), idle_optimizer),
    ],
    "dead-parameters": [(("parameters-not-moving",), same_optimizer)],
    "lr-too-small": [(("parameters-not-moving", "metric-stagnation", "loss-not-decreasing"), anywhere)],
    "parameters-not-moving": [(_PROGRESS, at_warning)],
    "exploding-gradient": [(("prediction-collapse", *_NONFINITE), not_later)],
    "nonfinite-loss": [(("prediction-collapse", "nonfinite-gradient"), not_later)],
    "nonfinite-gradient": [(("prediction-collapse",), not_later), (("nonfinite-loss",), earlier)],
}


def _explains(cause: Finding, symptom: Finding) -> bool:
    if cause is symptom or cause.name == symptom.name:
        return False
    for names, condition in CAUSES.get(cause.name, ()):
        if symptom.name in names and condition(cause, symptom):
            return True
    return False


def _root(f: Finding, parent: dict[int, Finding]) -> Finding:
    """The first cause up the chain (grads-not-cleared → exploding-gradient → nonfinite-loss)."""
    seen = {id(f)}
    while id(f) in parent and id(parent[id(f)]) not in seen:
        f = parent[id(f)]
        seen.add(id(f))
    return f


def link_causes(findings: list[Finding]) -> None:
    """Mark each symptom with the root cause that explains it (`follows_from`), and raise a
    cause below its worst symptom's severity to it. A finding explained by several causes
    follows from the one listed first in CAUSES. Changes the findings in place."""
    order = list(CAUSES)
    parent: dict[int, Finding] = {}
    for symptom in findings:
        causes = [c for c in findings if _explains(c, symptom)]
        causes.sort(key=lambda c: order.index(c.name))
        # A cause that is itself explained by this symptom would make a loop: keep the first.
        for c in causes:
            if parent.get(id(c)) is not symptom:
                parent[id(symptom)] = c
                break
    for symptom in findings:
        if id(symptom) not in parent:
            continue
        root = _root(symptom, parent)
        if root is symptom:
            continue
        symptom.follows_from = root.name
        if severity_rank(symptom.severity) > severity_rank(root.severity):
            was = root.raised["from"] if root.raised else root.severity
            root.raised = {"from": was, "by": symptom.name}
            root.severity = symptom.severity
