"""Where a mask given to an attention layer comes from, for TVL010 (attention.py): the tensor
a TensorDataset serves at the place of a batch field (a field a loop drew and then moved to the
device is read by batches.py), the forward of a model handed to a training function, and (only as a last resort) what a
mask's name says its 1s mark. Each answers None when the file does not show it."""

from __future__ import annotations

import ast

from torchvitals.lint.calls import FUNCS, Target, is_param
from torchvitals.lint.engine import (
    Context,
    arg,
    callee,
    dotted,
    last,
    method,
    walk_scope,
)
from torchvitals.lint.rules.batches import paired_element
from torchvitals.lint.rules.flow import bounds_or_args
from torchvitals.lint.rules.tensor_facts import _resolve_call
from torchvitals.lint.syntax import walk

MASK_RESHAPES = {"unsqueeze", "view", "reshape", "expand", "to", "bool", "long", "int", "float", "cuda"}
DEVICE_MOVES = {"to", "cuda", "cpu", "contiguous", "pin_memory"}
KEEP_WORDS = {"valid", "observed", "keep", "real", "present", "visible", "nonpad"}
NOT_KEEP_WORDS = {"pad", "padding", "padded", "missing", "invalid", "ignore", "masked", "unobserved", "hidden", "dropped", "causal"}


def _moved_self(value: ast.AST | None, name: str) -> bool:
    while isinstance(value, ast.Call) and method(value) in DEVICE_MOVES and not any(
        (dotted(a) or "").startswith("torch.") for a in [*value.args, *(k.value for k in value.keywords)]
    ):
        value = value.func.value  # type: ignore[attr-defined]
    return isinstance(value, ast.Name) and value.id == name


def passed_model_forward(ctx: Context, call: ast.Call) -> Target | None:
    """`model(ids, pad)` in `def fit(model, loader)` where every call of `fit` passes a model of
    one module class of this file (`fit(Encoder(...), ...)`, or a name bound to one): that
    class's forward, so a mask made in the training loop reaches the attention layer."""
    func = call.func
    scope = ctx.scope_of(call)
    if not isinstance(func, ast.Name) or not isinstance(scope, FUNCS) or not is_param(scope, func.id):
        return None
    classes = set()
    for b in bounds_or_args(ctx, func.id, func) or [None]:
        v = b.value if b is not None and not b.index and not b.loop else None
        while isinstance(v, ast.Call) and method(v) in DEVICE_MOVES:
            v = v.func.value  # type: ignore[attr-defined]  # Encoder(...).to(device)
        if isinstance(v, ast.Name):
            made = ctx.values.get(v.id, [])
            v = made[0] if len(made) == 1 else None
            while isinstance(v, ast.Call) and method(v) in DEVICE_MOVES:
                v = v.func.value  # type: ignore[attr-defined]
        classes.add(callee(v) if isinstance(v, ast.Call) else None)
    cls = classes.pop() if len(classes) == 1 else None
    if cls not in ctx.module_classes:
        return None
    found = [f for c in ctx.classes if c.name == cls for f in c.body if isinstance(f, FUNCS) and f.name == "forward"]
    return Target(found[0], func.id) if len(found) == 1 else None


def named_keep(node: ast.AST) -> bool:
    """A 0/1 mask whose name says 1 marks what is there: `valid_mask`, `is_observed`,
    `obs_mask`, `keep`, read through reshapes. Only for a mask the file compares with 0 or 1 (so
    a 0/1 tensor, not an additive float mask): `valid == 0` is then True where nothing is."""
    while isinstance(node, ast.Subscript) or isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in MASK_RESHAPES:
        node = node.value if isinstance(node, ast.Subscript) else node.func.value  # type: ignore[union-attr]
    words = set(last(dotted(node) or "").lower().split("_"))
    if words & NOT_KEEP_WORDS:
        return False
    return bool(words & KEEP_WORDS) or {"obs", "mask"} <= words


def tensor_dataset_part(ctx: Context, name: str, scope: ast.AST) -> ast.expr | None:
    """`for x, m in DataLoader(TensorDataset(feats, pad_mask))` (the fields maybe moved to the
    device after): the tensor the dataset serves at the name's place, `pad_mask`, whose rows
    the batch stacks unchanged."""
    binds = ctx.assigns_in(scope).get(name, [])
    if not all(_moved_self(paired_element(b, name), name) for b in binds):
        return None
    loops = [n for n in walk_scope(scope) if isinstance(n, (ast.For, ast.AsyncFor)) and name in _bound_names(n.target)]
    if len(loops) != 1 or not isinstance(loops[0].target, ast.Tuple):
        return None
    elts = loops[0].target.elts
    place = next((i for i, e in enumerate(elts) if isinstance(e, ast.Name) and e.id == name), None)
    loader = _resolve_call(ctx, loops[0].iter, "DataLoader", 0)
    ds = _resolve_call(ctx, arg(loader, 0, "dataset"), "TensorDataset", 0) if loader is not None else None
    if place is None or ds is None or ds.keywords or any(isinstance(a, (ast.Starred)) for a in [*elts, *ds.args]):
        return None
    return ds.args[place] if len(ds.args) == len(elts) else None


TOKENIZER_METHODS = {"encode_plus", "batch_encode_plus", "pad", "__call__"}


def tokenizer_mask(ctx: Context, expr: ast.AST, scope: ast.AST) -> bool:
    """`enc["attention_mask"]` / `enc.attention_mask` of what a Hugging Face tokenizer returns
    (`enc = tok(texts, padding=True, return_tensors="pt")`): 1 marks the real tokens, by that
    library's convention. A call counts as a tokenizer's when it asks for tensors
    (`return_tensors=`) or its callee is named a tokenizer (`tokenizer(...)`, `tokenizer.pad(...)`)."""
    if isinstance(expr, ast.Subscript) and isinstance(expr.slice, ast.Constant) and expr.slice.value == "attention_mask":
        base = expr.value
    elif isinstance(expr, ast.Attribute) and expr.attr == "attention_mask":
        base = expr.value
    else:
        return False
    if isinstance(base, ast.Name):
        values = [paired_element(n, base.id) for n in ctx.assigns_in(scope).get(base.id, [])]
        base = values[0] if len(values) == 1 else None
    while isinstance(base, ast.Call) and method(base) in DEVICE_MOVES:
        base = base.func.value  # type: ignore[attr-defined]  # enc = tok(...).to(device)
    if not isinstance(base, ast.Call):
        return False
    name = callee(base)
    named = "tokeniz" in name.lower() and (method(base) in TOKENIZER_METHODS or "." not in name)
    return named or any(k.arg == "return_tensors" for k in base.keywords)


def _bound_names(target: ast.AST) -> set[str]:
    return {n.id for n in walk(target) if isinstance(n, ast.Name)}
