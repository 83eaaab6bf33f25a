"""TVL006: a separate module that trains in the loss and that no optimizer holds.

    encoder, decoder = Encoder(), Decoder()
    opt = Adam(decoder.parameters())
    for x in loader:
        mu, logvar = encoder(x)
        loss = elbo(decoder(sample(mu, logvar)), x, mu, logvar)
        loss.backward(); opt.step()

The encoder reaches the backpropagated loss live, gets gradients every step and never changes:
the optimizer was meant to take both modules. optimizers.py reads parts of one model
(`model.head`); this reads sibling modules bound to their own names. Only a module whose every
use this file can see counts: bound once to a class of this file with learnable layers (or to
a learnable `nn` layer), and otherwise only called, moved or switched between train and eval.
Handing it to anything (a wrapper, a helper, `parameters()`, a checkpoint load) may give it an
optimizer, a freeze or a fixed role (a loaded teacher, a target network) that is not visible
here."""

from __future__ import annotations

import ast

from torchvitals.lint.calls import FUNCS, resolve
from torchvitals.lint.engine import Context, callee, last, method, walk_scope
from torchvitals.lint.rules.cutflow import Flow
from torchvitals.lint.rules.param_groups import writes_requires_grad
from torchvitals.lint.syntax import walk

# `nn` layers that hold parameters: a class of this file that builds one of these trains.
_LEARNABLE = {
    "Linear", "Bilinear", "LazyLinear", "Conv1d", "Conv2d", "Conv3d", "ConvTranspose1d", "ConvTranspose2d",
    "ConvTranspose3d", "Embedding", "EmbeddingBag", "LSTM", "GRU", "RNN", "LSTMCell", "GRUCell", "RNNCell",
    "BatchNorm1d", "BatchNorm2d", "BatchNorm3d", "LayerNorm", "GroupNorm", "MultiheadAttention",
    "TransformerEncoderLayer", "TransformerDecoderLayer", "TransformerEncoder", "TransformerDecoder",
    "Transformer", "Parameter", "PReLU",
}  # fmt: skip
# What may be done to such a module without handing it anywhere.
_HARMLESS = {"train", "eval", "to", "cuda", "cpu", "float", "double", "half", "bfloat16", "forward", "state_dict"}


def unoptimized_modules(ctx: Context, covered: set[str]) -> list[tuple[str, ast.Call]]:
    """(name, the backward call) for each module bound to a plain name that no optimizer of
    `covered` (the models every optimizer of the file updates, as named in the file) takes,
    and that reaches a loss this file backpropagates live."""
    if ctx.frozen or writes_requires_grad(ctx) or not covered:
        return []
    roots = {m.split(".")[0] for m in covered}
    out = []
    flows: dict[tuple[int, frozenset[str]], Flow] = {}  # one per scope and names, whatever the number of backward calls
    for name in sorted(module_candidates(ctx) - roots):
        views = _views(ctx, name)
        if views is None:
            continue
        for call in ctx.backwards:
            scope = ctx.scope_of(call)
            expr = ctx.loss_expr(call)
            here = [v for v in views if v[0] is scope]  # inside a helper the module is its parameter
            local = {name} | {p for _, p, _ in here}
            local_roots = roots | {p for *_, given in here for p, key in given if key in roots}
            if expr is None or not any(isinstance(n, ast.Call) and callee(n) in local for n in walk_scope(scope)):
                continue
            key = (id(scope), frozenset(local | local_roots))
            flow = flows[key] = flows.get(key) or Flow(ctx, scope, local | local_roots)
            live, _ = flow.reach(f"<owned@{id(call)}>", expr, call.lineno)
            reached = {m.split(".")[0] for m in live}  # the flow names the layers: `encoder.fc`
            if reached & local and reached & local_roots:  # the same loss trains an optimised module: this one was meant to train too
                out.append((name, call))
                break
    return out


def module_candidates(ctx: Context) -> set[str]:
    """Plain names bound once, to a module with parameters: a class of this file that builds a
    learnable `nn` layer (or such a class of this file), or such a layer itself. Memoised."""
    if "module_candidates" not in ctx.memo:
        ctx.memo["module_candidates"] = _candidates(ctx)
    return ctx.memo["module_candidates"]


def _candidates(ctx: Context) -> set[str]:
    learnable = _learnable_classes(ctx)
    out = set()
    for name, values in ctx.values.items():
        if "." in name or len(values) != 1 or not isinstance(values[0], ast.Call):
            continue
        v = values[0]
        while isinstance(v.func, ast.Attribute) and method(v) in ("to", "cuda", "float", "double"):
            if not isinstance(v.func.value, ast.Call):
                break
            v = v.func.value  # `Encoder().to(device)`
        if last(callee(v)) in learnable or callee(v) in {f"nn.{k}" for k in _LEARNABLE}:
            out.add(name)
    return out


def _learnable_classes(ctx: Context) -> set[str]:
    """The classes of this file (subclassing something named `Module`) whose body builds a
    learnable `nn` layer or an instance of another such class."""
    mods = {c.name: c for c in ctx.classes if any(last(ast.unparse(b)) == "Module" or ast.unparse(b).endswith(".Module") for b in c.bases)}
    found: set[str] = set()
    changed = True
    while changed:
        changed = False
        for name, cls in mods.items():
            if name in found:
                continue
            made = {last(callee(n)) for n in walk(cls) if isinstance(n, ast.Call) and callee(n).startswith("nn.")} & _LEARNABLE
            own = {callee(n) for n in walk(cls) if isinstance(n, ast.Call)} & found
            if made or own:
                found.add(name)
                changed = True
    return found


def _views(ctx: Context, name: str) -> list[tuple[ast.AST, str, tuple[tuple[str, str], ...]]] | None:
    """Where the module runs under another name: (a function of this file, its parameter the
    module is passed as, each parameter's caller name) for each call handing it over. None when
    some read of `name` does more than run it (see `_only_run`), or a helper does more with it."""
    views: list[tuple[ast.AST, str, tuple[tuple[str, str], ...]]] = []
    if not _only_run(ctx, ctx.tree, name, views):
        return None
    for fn, param, _ in views:
        if not _only_run(ctx, fn, param, None):
            return None
    return views


def _only_run(ctx: Context, where: ast.AST, name: str, views: list | None) -> bool:
    """Every read of `name` in `where` calls it or asks it something harmless (`encoder.train()`,
    `encoder.to(device)`, `encoder.state_dict()` for a save) or, when `views` is a list, hands
    it to a function of this file (noted in `views`); and it is not only ever switched to eval
    (a fixed feature extractor)."""
    uses = {"call": 0, "eval": 0, "train": 0}
    for n in walk(where):
        if not (isinstance(n, ast.Name) and n.id == name and isinstance(n.ctx, ast.Load)):
            continue
        up = ctx.parent.get(n)
        if isinstance(up, ast.Call) and up.func is n:
            uses["call"] += 1
            continue
        if isinstance(up, ast.Attribute) and up.attr in _HARMLESS and isinstance(ctx.parent.get(up), ast.Call) and ctx.parent[up].func is up:  # type: ignore[attr-defined]
            if up.attr in uses:
                uses[up.attr] += 1
            continue
        if isinstance(up, ast.keyword):
            up = ctx.parent.get(up)
        t = resolve(ctx, up) if views is not None and isinstance(up, ast.Call) and up.func is not n else None
        params = [p for p, key in t.params if key == name] if t is not None else []
        if len(params) != 1:
            return False
        views.append((t.fn, params[0], t.params))  # type: ignore[union-attr, arg-type]
        uses["call"] += 1
    if any(isinstance(n, FUNCS) and n.name == name for n in walk(ctx.tree)):
        return False
    return uses["call"] > 0 and not (uses["eval"] and not uses["train"])
