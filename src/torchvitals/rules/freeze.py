"""A freeze that never happened, where the run itself shows it: a module given
`requires_grad = False` as a plain attribute, whose parameters keep training.

Only that form is judged. A freeze written in a method that never ran, or a stage the user
believes frozen, leaves nothing in the run to read (the parameters simply train, as they would
by design); README's Findings section says why and what lint could do instead."""

from __future__ import annotations

from torchvitals.findings import Finding
from torchvitals.names import compact
from torchvitals.record import History
from torchvitals.rules.base import CannotJudge, Rule, rule
from torchvitals.rules.gradients import grad_runs


@rule(
    "TV607",
    "freeze-not-applied",
    what="A module given `requires_grad = False` as an attribute (module.requires_grad = False) "
    "whose parameters still require gradients and are in an optimizer: the assignment froze "
    "nothing, and the module trains.",
    why="requires_grad is a property of tensors. On an nn.Module the assignment only creates a "
    "new Python attribute; no parameter changes, no error is raised, and the 'frozen' backbone "
    "keeps moving: a fine-tune that was meant to keep pretrained features erodes them, and "
    "the comparison it was made for is wrong.",
    example="""
model.backbone.requires_grad = False            # a plain attribute: nothing is frozen
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
""",
    fix="Freeze the parameters: model.backbone.requires_grad_(False) (with the underscore: a "
    "method), or `for p in model.backbone.parameters(): p.requires_grad = False`; build the "
    "optimizer from the parameters that still require gradients.",
)
def freeze_not_applied(h: History, r: Rule) -> list[Finding]:
    run = grad_runs(h).get(0) if h.optimizers else None
    if run is None and h.end is None:
        raise CannotJudge("no optimizer step or zero_grad seen yet")
    in_opt = {i for o in h.optimizers for g in o.get("groups", []) for i in g.get("params", [])}
    out = []
    for mark in h.header.get("attribute_freezes", []):
        idx = [i for i in mark["params"] if i in in_opt and i < len(h.params)]
        if not idx:
            continue  # in no optimizer: unoptimized-parameters tells
        names = [h.params[i]["name"] for i in idx]
        numel = sum(h.params[i]["numel"] for i in idx)
        out.append(
            r.finding(
                "warning",
                f"{mark['module']}.requires_grad = False was set on the module, not on its parameters: its "
                f"{len(names)} parameter(s) ({compact(names)}, {numel:,} values) still require gradients and "
                "are trained by the optimizer",
                evidence={"module": mark["module"], "parameters": names, "numel": numel},
                where=[mark["module"]],
                step=run.first_it if run is not None else None,
            )
        )
    return out
