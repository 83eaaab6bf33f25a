"""TVL009: a loss whose prediction and target do not match (rule 9 of the lint issue).

Two halves, judged only on what the source proves:
- a regression loss (MSE, L1, smooth L1, Huber) comparing the output of a model that ends in
  `nn.Linear(..., 1)`, shape (B, 1), with a 1-D target (B,): broadcasting turns the loss into
  a (B, B) comparison of every prediction with every target;
- a class-index loss given a float target: `nll_loss` never takes one, and `cross_entropy`
  reads a float target as class probabilities, so class indices passed through `.float()` are
  wrong (an error today, a silently wrong objective when the shapes happen to agree).

What the source proves about a value is a set of tags, worked out from the expression and,
through `flow`, from the assignments that reach it (a `TensorDataset` behind a `DataLoader`
included). An expression the tracer does not understand gets no tags, so the rule stays silent
on it: precision first.
"""

from __future__ import annotations

import ast
import re

from torchvitals.lint.engine import Context, arg, callee, dotted, last, method
from torchvitals.lint.rules.config_tables import makers
from torchvitals.lint.rules.flow import bounds_or_args
from torchvitals.lint.rules.loss_wrappers import wrapped_losses
from torchvitals.lint.rules.tensor_facts import (
    COLUMN,
    FLOAT,
    FROM_INDEX,
    MODULE_KEEP,
    ONE_D,
    STEPS_PER_LOSS,
    _steps_left,
)
from torchvitals.lint.rules.tensor_tags import tags
from torchvitals.lint.rules.value_reads import is_param
from torchvitals.rules.base import document

LOSS_TARGET = document(
    "TVL009",
    "loss-target-mismatch",
    what="A regression loss (`mse_loss`, `l1_loss`, `smooth_l1_loss`, `huber_loss`, or their "
    "`nn.*Loss` classes) comparing the output of a model that ends in `nn.Linear(..., 1)` "
    "(shape (B, 1)) with a 1-D target (shape (B,)); or a float target given to a class-index "
    "loss: class indices converted with `.float()` for `cross_entropy`, any float target for "
    "`nll_loss`.",
    why="(B, 1) against (B,) broadcasts to (B, B): the loss compares every prediction with every "
    "target, its minimum is at the target mean, and the model learns to predict a constant while "
    "the loss still goes down. PyTorch only warns, once. A float target makes `cross_entropy` "
    "read class probabilities instead of class numbers: with (B,) targets recent PyTorch stops "
    "with a dtype error at the first step (after the job has queued and loaded its data); where "
    "the shapes happen to agree it optimizes the wrong objective in silence. `nll_loss` never "
    "takes float targets.",
    example="model = nn.Sequential(nn.Linear(8, 64), nn.ReLU(), nn.Linear(64, 1))\n"
    "y = torch.randn(512)                 # 1-D target\n"
    "loss = F.mse_loss(model(x), y)       # (512, 1) vs (512,): a (512, 512) loss\n\n"
    "loss = F.cross_entropy(logits, labels.float())   # class indices as floats",
    fix="Make the shapes equal: `model(x).squeeze(-1)` or `y.unsqueeze(-1)`. Give class-index "
    "losses integer targets (`labels.long()`); float targets to `cross_entropy` only as "
    "probabilities of the same shape as the logits.",
)

REGRESSION_FUNCS = {"mse_loss": "MSELoss", "l1_loss": "L1Loss", "smooth_l1_loss": "SmoothL1Loss", "huber_loss": "HuberLoss"}
CLASS_FUNCS = {"cross_entropy": "CrossEntropyLoss", "nll_loss": "NLLLoss"}
REGRESSION = set(REGRESSION_FUNCS.values())
CLASS_INDEX = set(CLASS_FUNCS.values())
FUNCTIONAL = ("F.", "torch.nn.functional.", "nn.functional.", "functional.")
TEXT_GATE = (*REGRESSION_FUNCS, *REGRESSION, *CLASS_FUNCS, *CLASS_INDEX)


# ---- the rule -------------------------------------------------------------------------------


def _functional_imports(ctx: Context) -> set[str]:
    """Loss functions imported by name from `torch.nn.functional`."""
    out = set()
    for n in ctx.tree.body:
        if isinstance(n, ast.ImportFrom) and (n.module or "").endswith("functional"):
            out |= {a.asname or a.name for a in n.names if a.name in REGRESSION_FUNCS or a.name in CLASS_FUNCS}
    return out


def loss_kind(ctx: Context, call: ast.Call, imported: set[str]) -> str | None:
    """The loss class a call computes (`MSELoss` for `F.mse_loss(...)` or `criterion(...)`)."""
    if isinstance(call.func, ast.Call):  # nn.MSELoss()(pred, y)
        kind = last(callee(call.func))
        return kind if kind in REGRESSION | CLASS_INDEX else None
    name = callee(call)
    if not name:
        return None
    if name.startswith(FUNCTIONAL) or name in imported:
        short = last(name)
        return REGRESSION_FUNCS.get(short) or CLASS_FUNCS.get(short)
    key = ("loss_kind", name)
    if key not in ctx.memo:  # asked for every call in the file: each name's values are read once
        kinds = set()
        for v in ctx.values.get(name, []):
            if isinstance(v, ast.Call) and method(v) in MODULE_KEEP and dotted(v.func.value) == name:  # type: ignore[attr-defined]
                continue  # criterion = criterion.to(device)
            kinds.add(_held_kind(v, imported))
        kind = kinds.pop() if len(kinds) == 1 else None
        ctx.memo[key] = kind if kind in REGRESSION | CLASS_INDEX else None
    return ctx.memo[key] or _bound_kind(ctx, call, name, imported) or _evaluated_kind(ctx, call, imported)


def _held_kind(v: ast.AST | None, imported: set[str]) -> str | None:
    """The loss class a value names: a constructed loss (`nn.NLLLoss()`), or a functional loss
    held by reference (`criterion = F.nll_loss`, `fit(..., loss_fn=mse_loss)`)."""
    if isinstance(v, ast.Call):
        return last(callee(v))
    name = dotted(v) if isinstance(v, (ast.Name, ast.Attribute)) else None
    if name and (name.startswith(FUNCTIONAL) or name in imported):
        return REGRESSION_FUNCS.get(last(name)) or CLASS_FUNCS.get(last(name))
    return None


_LOSS_NAME = re.compile(r"crit|loss|objective")


def _bound_kind(ctx: Context, call: ast.Call, name: str, imported: set[str]) -> str | None:
    """The loss a name holds where it is called: unpacked from a tuple (`opt, criterion =
    make_opt(), nn.MSELoss()`) or a helper's parameter (`train(..., criterion=nn.MSELoss())`)."""
    if "." in name or not ctx.backwards or not _LOSS_NAME.search(name.lower()):
        return None  # asked for every call of the file: only names that say loss are followed
    kinds = set()
    for b in bounds_or_args(ctx, name, call) or []:
        v = b.value
        for i in b.index if not b.loop else (None,):
            v = v.elts[i] if isinstance(v, ast.Tuple) and i is not None and i < len(v.elts) else None  # type: ignore[assignment]
        kinds.add(_held_kind(v, imported))
    kind = kinds.pop() if len(kinds) == 1 else None
    return kind if kind in REGRESSION | CLASS_INDEX else None


def _evaluated_kind(ctx: Context, call: ast.Call, imported: set[str]) -> str | None:
    """The loss a called name holds as the shared evaluator reads it: a criterion picked from a
    registry by a config key (`CRITERIA[hp["loss"]]()` handed to `train_epoch(..., criterion)`),
    a factory's return, a parameter every caller fills with the same loss. Only plain names and
    `self.x` called with a prediction and a target are asked (it is asked for every call)."""
    name = dotted(call.func)
    if name is None or name.count(".") > (1 if name.startswith("self.") else 0) or len(call.args) + len(call.keywords) < 2:
        return None
    if len(ctx.values.get(name, [])) > 1:
        return None  # bound to several losses in the file: which one is called is not judged
    if name not in ctx.values and not is_param(ctx.scope_of(call), name):
        return None  # an import, a builtin, a function or class of this file: not a loss object
    found = makers(ctx, call.func)
    kinds = {_named_kind(n, imported) for n in found} if found else {None}
    kind = kinds.pop() if len(kinds) == 1 else None
    return kind if kind in REGRESSION | CLASS_INDEX else None


def _named_kind(name: str, imported: set[str]) -> str | None:
    """`nn.MSELoss` (a loss object's class) or `F.mse_loss` (a functional loss held by reference)."""
    if last(name) in REGRESSION | CLASS_INDEX:
        return last(name)
    if name.startswith(FUNCTIONAL) or name in imported:
        return REGRESSION_FUNCS.get(last(name)) or CLASS_FUNCS.get(last(name))
    return None


def _show(node: ast.AST) -> str:
    text = ast.unparse(node)
    return text if len(text) <= 40 else text[:37] + "..."


def _judge_shapes(ctx: Context, c: ast.Call, kind: str, pred: ast.AST, target: ast.AST, via: str = "") -> None:
    """A regression loss at `c` comparing a (B, 1) prediction with a (B,) target, either way round."""
    tp = tags(ctx, pred)
    if not tp & {COLUMN, ONE_D}:
        return
    tt = tags(ctx, target)
    if COLUMN in tp and ONE_D in tt or ONE_D in tp and COLUMN in tt:
        col, flat = (pred, target) if COLUMN in tp else (target, pred)
        ctx.report(LOSS_TARGET, c, f"{kind}{via} compares `{_show(col)}` (shape (B, 1): the model ends in "
                   f"nn.Linear(..., 1)) with the 1-D `{_show(flat)}` (B,): broadcasting makes a (B, B) "
                   "loss that pairs every prediction with every target", loss=kind)  # fmt: skip


def check(ctx: Context) -> None:
    if not any(w in ctx.text for w in TEXT_GATE):
        return
    imported = _functional_imports(ctx)
    for c in ctx.calls:
        kind = loss_kind(ctx, c, imported)
        if kind is None:
            if ctx.backwards:  # `self.criterion(pred, y, cfg)` holding `lambda p, t, c: F.huber_loss(p, t)`
                for kind, pred, target in wrapped_losses(ctx, c, lambda inner: loss_kind(ctx, inner, imported)):
                    if kind in REGRESSION:
                        _steps_left[0] = STEPS_PER_LOSS
                        _judge_shapes(ctx, c, kind, pred, target, f" (through `{_show(c.func)}`)")
            continue
        pred, target = arg(c, 0, "input"), arg(c, 1, "target")
        if pred is None or target is None:
            continue
        _steps_left[0] = STEPS_PER_LOSS
        if kind in REGRESSION:
            _judge_shapes(ctx, c, kind, pred, target)
            continue
        tt = tags(ctx, target)
        if FROM_INDEX in tt:
            ctx.report(LOSS_TARGET, c, f"{kind} gets class indices as floats (`{_show(target)}`): it reads a float "
                       "target as class probabilities, not class numbers; pass integer (long) targets", loss=kind)  # fmt: skip
        elif kind == "CrossEntropyLoss" and FLOAT in tt and ONE_D in tt:
            ctx.report(LOSS_TARGET, c, f"CrossEntropyLoss gets a 1-D float target (`{_show(target)}`): class "
                       "probabilities would be (B, C), so these are class numbers stored as floats; pass "
                       "integer (long) targets", loss=kind)  # fmt: skip
        elif kind == "NLLLoss" and FLOAT in tt:
            ctx.report(LOSS_TARGET, c, f"NLLLoss gets a float target (`{_show(target)}`); it needs integer class "
                       "indices", loss=kind)  # fmt: skip


CHECKS = [check]
