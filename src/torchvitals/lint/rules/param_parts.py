"""TVL006: an optimizer given the parameters of several models sub-module by sub-module, that
leaves out a trainable sub-module one of them runs. optimizers.py reports what this finds.

    embedding = nn.Embedding(vocab, 64)
    encoder, decoder = Encoder(embedding, 128), Decoder(embedding, 128)
    params = list(encoder.rnn.parameters()) + list(decoder.rnn.parameters()) + list(decoder.out.parameters())

The shared embedding runs in both models, gets gradients, and is in no list. A sub-module is
known by what the shared evaluator (values.py) says its attribute holds: the constructor call
that made it, in the model's `__init__` or handed in by every construction of the model, so a
module shared between two models counts as listed when either lists it. Parameters read any
other way (a comprehension, a name, a helper), an attribute whose module the file does not
show, a file that writes `requires_grad` or ties weights: nothing is claimed."""

from __future__ import annotations

import ast

from torchvitals.lint.calls import instance_class
from torchvitals.lint.engine import Context, callee, dotted, last, method, receiver, walk_scope
from torchvitals.lint.rules.module_makers import module_ctor
from torchvitals.lint.rules.param_groups import runs_with_grad, writes_requires_grad
from torchvitals.lint.rules.value_kinds import Made
from torchvitals.lint.rules.values import possible
from torchvitals.lint.syntax import walk

# attribute -> ids of the module constructor calls it may hold (empty: it holds no module, a
# number or a string); None when the file does not show that it is always a module it makes
Held = dict[str, frozenset[int] | None]


def listed_parts(ctx: Context, ctor: ast.Call, least: int = 2) -> dict[str, set[str] | None] | None:
    """`list(enc.rnn.parameters()) + list(dec.out.parameters())`, `chain(...)`, `[*a.x.parameters(), ...]`,
    or groups `[{"params": enc.rnn.parameters(), "lr": lr}, ...]` (or a name bound once to one
    of these) as the optimizer's parameters: each model and the attributes listed of it (None
    when the model is given whole), for `least` models or more; else None."""
    first = ctor.args[0] if ctor.args else next((k.value for k in ctor.keywords if k.arg == "params"), None)
    if isinstance(first, ast.Name):
        vals = ctx.values.get(first.id, [])
        first = vals[0] if len(vals) == 1 else None
    exprs = [first]
    if isinstance(first, (ast.List, ast.Tuple)) and first.elts and all(isinstance(g, ast.Dict) for g in first.elts):
        exprs = [_group_params(g) for g in first.elts]  # type: ignore[arg-type]
    sources: list[ast.Call] = []
    for e in exprs:
        if e is None or any(isinstance(n, (ast.ListComp, ast.GeneratorExp, ast.Dict, ast.Lambda)) for n in walk(e)):
            return None
        here = [n for n in walk(e) if isinstance(n, ast.Call) and method(n) == "parameters"]
        inside = {id(x) for n in walk(e) if isinstance(n, ast.Call) for x in walk(n.func)}
        if not here or any(isinstance(n, ast.Name) and id(n) not in inside for n in walk(e)):
            return None  # another name adds parameters this reading does not follow
        sources += here
    parts: dict[str, set[str] | None] = {}
    for s in sources:
        path = receiver(s) or ""
        root, _, attr = path.partition(".")
        if s.args or not root or "." in attr or root == "self":
            return None
        if not attr:
            parts[root] = None
        elif parts.get(root, set()) is not None:
            parts.setdefault(root, set()).add(attr)  # type: ignore[union-attr]
    return parts if len(parts) >= least else None


def _group_params(group: ast.Dict) -> ast.expr | None:
    return next((v for k, v in zip(group.keys, group.values, strict=True) if isinstance(k, ast.Constant) and k.value == "params"), None)


def left_out(ctx: Context, parts: dict[str, set[str] | None], at: ast.AST) -> list[str]:
    """`model.attr` for each sub-module a listed model builds (or is handed) and runs with
    gradients in its methods, that holds no module any listed part holds, and that the file
    runs (the model is called)."""
    if writes_requires_grad(ctx) or _ties_weights(ctx):
        return []
    covered: set[int] = set()
    candidates: list[tuple[str, frozenset[int]]] = []
    for root, attrs in parts.items():
        cls_name = instance_class(ctx, root, at)
        cls = next((c for c in ctx.classes if c.name == cls_name), None)
        held = _held(ctx, cls) if cls is not None else None
        if held is None or (attrs is not None and not attrs <= set(held)):
            return []
        for a, nodes in held.items():
            if (attrs is None or a in attrs) and nodes is None:
                return []  # a listed part whose module the file does not show may be any of them
            if attrs is None or a in attrs:
                covered |= nodes
            elif nodes and runs_with_grad(ctx, cls, a) and any(callee(c) == root for c in ctx.calls):  # type: ignore[arg-type]
                candidates.append((f"{root}.{a}", nodes))
    return [name for name, nodes in candidates if not nodes & covered]


def _held(ctx: Context, cls: ast.ClassDef) -> Held | None:
    """Each `self.attr = value` of the class's `__init__`: the ids of the module constructor
    calls the value may be (None for a value that is not always a module the file makes)."""
    init = next((f for f in cls.body if isinstance(f, ast.FunctionDef) and f.name == "__init__"), None)
    if init is None:
        return None
    out: Held = {}
    for n in walk_scope(init):
        if not (isinstance(n, ast.Assign) and len(n.targets) == 1):
            continue
        key = dotted(n.targets[0]) or ""
        if not key.startswith("self.") or key.count(".") != 1:
            continue
        vals = possible(ctx, n.value)
        made = [v.node for v in vals or () if isinstance(v, Made)]
        if vals is not None and not made and key[5:] not in out:
            out[key[5:]] = frozenset()  # a number, a string: no module
            continue
        copied = any(isinstance(x, ast.Call) and last(callee(x)) == "deepcopy" for m in [n.value, *made] for x in walk(m))
        modules = vals is not None and len(made) == len(vals) and not copied and all(module_ctor(ctx, m) for m in made)  # a copy: an EMA target
        out[key[5:]] = frozenset(id(m) for m in made) if modules and key[5:] not in out else None
    return out


def _ties_weights(ctx: Context) -> bool:
    """`dec.out.weight = enc.emb.weight`: a parameter shared by assignment is in both modules."""
    return any(
        isinstance(n, ast.Assign) and any(isinstance(t, ast.Attribute) for t in n.targets) and isinstance(n.value, ast.Attribute)
        and n.value.attr in ("weight", "bias")
        for n in walk(ctx.tree)
    )  # fmt: skip
