"""TVL008: probabilities fed to a loss that wants logits (or log-probabilities).

Probabilities are followed to where they are made: softmax/sigmoid, a module class whose
forward returns them, a Sequential (or a library model's replaced `fc`/`classifier`) ending in
Softmax/Sigmoid, a helper or method of this file returning them, and across calls: a helper's
parameter, or a model parameter, that every call in the file gives probabilities."""

from __future__ import annotations

import ast
import copy

from torchvitals.lint.calls import enclosing_class, instance_class, is_param, resolve
from torchvitals.lint.engine import (
    Context,
    arg,
    callee,
    dotted,
    last,
    method,
    passed,
    walk_scope,
)
from torchvitals.lint.rules.config_branches import decided_false, guards
from torchvitals.lint.rules.config_tables import made_by, picked_attr, picked_entry
from torchvitals.lint.rules.flow import Bound, bounds_or_args, reaching
from torchvitals.lint.rules.layer_lists import sequential_layers
from torchvitals.lint.rules.method_args import bounds_through_methods
from torchvitals.lint.rules.schedule_objects import Substitute, given_args, stored_param
from torchvitals.lint.syntax import walk
from torchvitals.losses import LOSSES, classes_wanting
from torchvitals.rules.base import document

ACTIVATION_LOSS = document(
    "TVL008",
    "activation-before-loss",
    what="`softmax`/`sigmoid` applied to the input of `CrossEntropyLoss`/`BCEWithLogitsLoss` "
    "(which apply `log_softmax`/`logsigmoid` themselves), or probabilities rather than "
    "log-probabilities given to `NLLLoss`/`KLDivLoss`.",
    why="A double softmax squashes the logits: gradients shrink as the model grows confident, "
    "training stalls at a mediocre loss, and nothing errors. `NLLLoss` on probabilities "
    "optimizes the wrong objective (it is not a log-likelihood).",
    example="probs = torch.softmax(model(x), dim=1)\nloss = F.cross_entropy(probs, y)",
    fix="Give the loss the raw logits; for `NLLLoss`/`KLDivLoss` use `log_softmax`.",
)

# Loss classes (and their functional forms) that apply log_softmax/logsigmoid themselves, and
# those that expect log-probabilities: from torchvitals.losses.
LOGIT_LOSSES = classes_wanting("logits")
LOGPROB_LOSSES = classes_wanting("log_probs")
LOGIT_FUNCS = {loss.func: loss.cls for loss in LOSSES if loss.cls in LOGIT_LOSSES}
LOGPROB_FUNCS = {loss.func: loss.cls for loss in LOSSES if loss.cls in LOGPROB_LOSSES}
ACTIVATIONS = {"softmax", "sigmoid", "Softmax", "Sigmoid"}


def _loss_kind(ctx: Context, call: ast.Call) -> str | None:
    name = callee(call)
    if name in ctx.losses:
        return ctx.losses[name]
    if name in ctx.values and (kind := _built_loss(ctx, name)):
        return kind
    if isinstance(call.func, ast.Call):  # nn.CrossEntropyLoss()(x, y)
        return last(callee(call.func)) if last(callee(call.func)) in LOGIT_LOSSES | LOGPROB_LOSSES else None
    if name.startswith(("F.", "torch.nn.functional.", "nn.functional.", "functional.")) or name in LOGIT_FUNCS or name in LOGPROB_FUNCS:
        return LOGIT_FUNCS.get(last(name)) or LOGPROB_FUNCS.get(last(name))
    return None


def _unmoved(v: ast.expr) -> ast.expr:
    """`build(...).to(device)`, `Net().cuda()`: the value the chain of moves starts from."""
    while isinstance(v, ast.Call) and method(v) in MOVES and isinstance(v.func, ast.Attribute):
        v = v.func.value
    return v


MOVES = {"to", "cuda", "cpu", "float", "double", "half", "bfloat16", "train", "eval"}


def _built_loss(ctx: Context, name: str) -> str | None:
    """The loss class a name holds when every value it is given is a call of a function of this
    file every return of which constructs that one loss (`self.criterion = build_criterion()`
    with `def build_criterion(): return nn.BCEWithLogitsLoss(...)`, or a method of the class
    building it, `self.criterion = self.make_criterion()`): config-driven factories."""
    memo = ctx.memo.setdefault("built_loss", {})
    if name not in memo:
        kinds = set()
        for v in ctx.values[name]:
            v = _unmoved(v)
            t = resolve(ctx, v) if isinstance(v, ast.Call) and isinstance(v.func, ast.Name | ast.Attribute) else None
            own = t is not None and (t.self_key is None or t.self_key == "self" and callee(v).count(".") == 1)  # or self.make_loss()
            rets = _live_returns(ctx, t.fn, v) if own else [v]  # type: ignore[union-attr]
            kinds |= {_made(ctx, r) for r in rets} or {None}
        kind = kinds.pop() if len(kinds) == 1 else None
        memo[name] = kind if kind in LOGIT_LOSSES | LOGPROB_LOSSES else None
    return memo[name]


def _live_returns(ctx: Context, fn: ast.FunctionDef, call: ast.Call) -> list[ast.expr | None]:
    """What a factory may return for this call: its returns, less those under an `if` the
    caller's config decides against (`if cfg["loss"] == "ce": return nn.CrossEntropyLoss()`
    when the config names "nll")."""
    given = dict(given_args(fn, call))
    if isinstance(call.func, ast.Attribute):  # self.make_loss(cfg): the first parameter is self
        names = [a.arg for a in [*fn.args.posonlyargs, *fn.args.args]][1:]
        given = dict(zip(names, [a for a in call.args if not isinstance(a, ast.Starred)], strict=False)) | {k.arg: k.value for k in call.keywords if k.arg}
    scope = ctx.scope_of(call)
    return [
        n.value for n in walk_scope(fn) if isinstance(n, ast.Return)
        and not any(decided_false(ctx, Substitute(given).visit(copy.deepcopy(g)), scope) for g in guards(ctx, n, fn))
    ]  # fmt: skip


def _made(ctx: Context, v: ast.expr | None) -> str | None:
    """The class a value constructs: `nn.NLLLoss()`, or the entry a config key picks from a table
    of losses (`{"nll": nn.NLLLoss(), "ce": nn.CrossEntropyLoss()}[cfg["loss"]]`, `LOSSES[name]()`)."""
    if isinstance(v, ast.Call) and isinstance(v.func, ast.Subscript):
        entry = picked_entry(ctx, v.func)
        return made_by(entry) if entry is not None else None
    if isinstance(v, ast.Call) and isinstance(v.func, ast.Call):  # getattr(nn, cfg["act"])(dim=-1)
        return picked_attr(ctx, v.func, ("Softmax", "Sigmoid", *LOGIT_LOSSES, *LOGPROB_LOSSES))
    if isinstance(v, ast.Subscript):
        entry = picked_entry(ctx, v)
        return last(callee(entry)) if isinstance(entry, ast.Call) else None
    return last(callee(v)) if isinstance(v, ast.Call) else None


def _config_activation(ctx: Context, name: str) -> bool:
    """`self.act(h)` where every value of `self.act` is an activation layer the config picks
    (`self.act = ACTS[cfg["act"]]()`, `getattr(nn, cfg["act"])(dim=-1)`) and it is Softmax/Sigmoid."""
    values = ctx.values.get(name, []) if name else []
    return bool(values) and all(isinstance(v, ast.Call) and not isinstance(v.func, ast.Name | ast.Attribute) for v in values) \
        and all(_made(ctx, v) in ("Softmax", "Sigmoid") for v in values)


def _prob_classes(ctx: Context) -> set[str]:
    """Module classes of this file whose forward returns probabilities: softmax/sigmoid, or the
    output of a sub-module (`self.head(...)`) that is itself such a class (a fixed point, 3 deep)."""
    if "prob_classes" in ctx.memo:
        return ctx.memo["prob_classes"]
    forwards = {}
    for cls in ctx.classes:
        fn = next((f for f in cls.body if isinstance(f, ast.FunctionDef) and f.name == "forward"), None)
        rets = [n.value for n in walk_scope(fn) if isinstance(n, ast.Return) and n.value is not None] if fn else []
        if rets:
            forwards[cls.name] = (fn, rets)
    found: set[str] = set()
    ctx.memo["prob_classes"] = found
    heads = _prob_sequentials(ctx)
    heads |= _built_prob_models(ctx, heads)  # `self.head = build_head(cfg)`, a builder's Sequential
    for _ in range(3):
        models = heads | {name for name, ctor in ctx.modules.items() if ctor in found}
        new = {c for c, (fn, rets) in forwards.items() if all(_is_activation(ctx, r, fn, 0, models) for r in rets)}
        if new <= found:
            break
        found |= new
    return found


def _prob_slots(ctx: Context, call: ast.Call) -> set[int | str]:
    """The parts of what a model call returns that hold probabilities: the forward of the module
    class the call runs returns only tuples (`return F.softmax(z, -1), state`) or only dicts
    (`return {"probs": torch.sigmoid(z), "feats": h}`), and at that position or key every one
    of them holds softmax/sigmoid."""
    cls = _model_class(ctx, call)
    node = next((c for c in ctx.classes if c.name == cls), None)
    fn = next((f for f in node.body if isinstance(f, ast.FunctionDef) and f.name == "forward"), None) if node else None
    rets = [n.value for n in walk_scope(fn) if isinstance(n, ast.Return)] if fn is not None else []
    if not rets:
        return set()
    if all(isinstance(r, ast.Tuple) for r in rets):
        width = min(len(r.elts) for r in rets)  # type: ignore[union-attr]
        return {i for i in range(width) if all(_is_activation(ctx, r.elts[i], fn, 1) for r in rets)}  # type: ignore[union-attr]
    parts = [_dict_parts(r) for r in rets]
    if not all(parts):
        return set()
    common = set.intersection(*(set(p) for p in parts))  # type: ignore[arg-type]
    return {k for k in common if all(_is_activation(ctx, p[k], fn, 1) for p in parts)}  # type: ignore[index]


def _model_class(ctx: Context, call: ast.Call) -> str | None:
    """The module class of this file a call `m(x)` runs: `m` built from it (moved or not), or a
    parameter every caller of the function gives such a model (`train_step(model, ...)`)."""
    key = callee(call)
    cls = ctx.modules.get(key) or (instance_class(ctx, key, call) if key in ctx.values else None)
    if cls is not None or not isinstance(call.func, ast.Name):
        return cls
    scope = ctx.scope_of(call)
    if isinstance(scope, ast.Module) or not is_param(scope, key):
        return None
    found = set()
    for b in bounds_or_args(ctx, key, call.func) or []:
        v = _unmoved(b.value)
        found.add(None if b.index or b.loop else ctx.modules.get(dotted(v) or "") or (callee(v) if isinstance(v, ast.Call) else None))
    return found.pop() if len(found) == 1 else None


def _dict_parts(value: ast.expr | None) -> dict[str, ast.expr] | None:
    """`{"probs": p, ...}` or `dict(probs=p, ...)` with constant string keys: key -> value."""
    if isinstance(value, ast.Dict) and all(isinstance(k, ast.Constant) and isinstance(k.value, str) for k in value.keys):
        return {k.value: v for k, v in zip(value.keys, value.values, strict=True)}  # type: ignore[union-attr]
    if isinstance(value, ast.Call) and callee(value) == "dict" and not value.args and all(kw.arg for kw in value.keywords):
        return {kw.arg: kw.value for kw in value.keywords}  # type: ignore[misc]
    return None


def _subscript_is_prob(ctx: Context, expr: ast.Subscript) -> bool:
    """`model(x)[0]`, `out["probs"]` with `out = model(x)`: a part of a model's output that its
    forward fills with probabilities."""
    key = expr.slice.value if isinstance(expr.slice, ast.Constant) else None
    if not isinstance(key, (int, str)) or isinstance(key, bool):
        return False
    base: ast.AST = expr.value
    if isinstance(base, ast.Name):
        b = reaching(ctx, base.id, base)
        base = b.value if isinstance(b, Bound) and not b.index and not b.loop else base
    return isinstance(base, ast.Call) and key in _prob_slots(ctx, base)


def _prob_sequentials(ctx: Context) -> set[str]:
    """Names (`head`, `self.classifier`) holding an `nn.Sequential` whose last layer is
    Softmax/Sigmoid: calling one gives probabilities, in a script or inside a forward."""
    out = set()
    for name, ctor in ctx.modules.items():
        values = ctx.values.get(name, [])
        if ctor == "Sequential" and values and all(_ends_in_activation(_unmoved(v), ctx) for v in values):
            out.add(name)  # every value: two classes may both name a layer `self.head`
    return out


def _ends_in_activation(v: ast.expr, ctx: Context | None = None, depth: int = 0) -> bool:
    """The call's last argument is a Softmax/Sigmoid layer; with `ctx`, also the last layer
    added to a list it unpacks (`nn.Sequential(*layers)` after `layers.append(nn.Softmax(1))`)
    or of the OrderedDict it is given."""
    if not isinstance(v, ast.Call):
        return False
    layers = (sequential_layers(ctx, v) if ctx is not None and last(callee(v)) == "Sequential" else None) or v.args
    if layers and ctx is not None and depth < 4 and (inner := _nested_sequential(ctx, layers[-1])) is not None:
        return _ends_in_activation(inner, ctx, depth + 1)  # nn.Sequential(body, head), head ending in Softmax
    if not layers or not isinstance(layers[-1], ast.Call):
        return False
    made = _made(ctx, layers[-1]) if ctx is not None else last(callee(layers[-1]))
    return made in ("Softmax", "Sigmoid")  # also `ACTS[cfg["out_act"]]()`, the entry the config picks


def _nested_sequential(ctx: Context, layer: ast.expr) -> ast.Call | None:
    """The `nn.Sequential(...)` a Sequential's last layer is: written inline, or a name the one
    binding reaching it gives (`head = nn.Sequential(..., nn.Softmax(dim=1)); return
    nn.Sequential(body, head)`): the outer model ends where the inner one does."""
    if isinstance(layer, ast.Name):
        b = reaching(ctx, layer.id, layer)
        layer = b.value if isinstance(b, Bound) and not b.index and not b.loop else layer  # type: ignore[assignment]
    return layer if isinstance(layer, ast.Call) and last(callee(layer)) == "Sequential" else None


def _prob_models(ctx: Context) -> set[str]:
    """Names of models whose output is already probabilities (Sequential ending in Softmax,
    or a class whose forward returns softmax/sigmoid)."""
    prob_classes = _prob_classes(ctx)
    known = _prob_sequentials(ctx) | _replaced_heads(ctx) | {name for name, ctor in ctx.modules.items() if ctor in prob_classes}
    return known | _built_prob_models(ctx, known)


def _built_prob_models(ctx: Context, known: set[str]) -> set[str]:
    """Names every value of which is a call of a function of this file that returns a model
    outputting probabilities (`model = build_model(n).to(device)` with `build_model` returning a
    Sequential ending in Softmax): helper-built models."""
    out = set()
    for name, values in ctx.values.items():
        calls = [_unmoved(v) for v in values]
        if calls and all(isinstance(v, ast.Call) and isinstance(v.func, ast.Name) and v.func.id not in ctx.module_classes for v in calls):
            if all(_prob_model_value(ctx, v, known, 0) for v in calls):
                out.add(name)
    return out


# The last layer of torchvision/timm classifiers, the one fine-tuning scripts replace.
HEAD_ATTRS = ("fc", "classifier", "head", "heads", "last_linear")


def _replaced_heads(ctx: Context) -> set[str]:
    """`model.fc = nn.Sequential(nn.Linear(2048, k), nn.Softmax(dim=1))` on a library model
    (`models.resnet50(...)`, `timm.create_model(...)`): the model now outputs probabilities."""
    out = set()
    for key, values in ctx.values.items():
        owner, _, attr = key.rpartition(".")
        if attr not in HEAD_ATTRS or not owner or owner.startswith("self"):
            continue
        if not all(_ends_in_activation(_unmoved(v), ctx) and last(callee(_unmoved(v))) == "Sequential" for v in values):
            continue
        made = ctx.values.get(owner, [])
        if made and all(isinstance(v, ast.Call) and "." in callee(v) and last(callee(v)) not in ctx.module_classes for v in made):
            out.add(owner)  # built by a library call, not a class of this file (its forward says)
    return out


def _helper_gives_probs(ctx: Context, call: ast.Call) -> bool:
    """A function or method of this file (not a module's forward: `_prob_classes` judges those)
    every return of which is softmax/sigmoid (`def soften(z, t): return F.softmax(z / t, -1)`,
    `self.to_probs(logits)`): its call gives probabilities, however it is named."""
    t = resolve(ctx, call) if isinstance(call.func, (ast.Name, ast.Attribute)) else None
    if t is None or t.fn.name == "forward":
        return False
    memo = ctx.memo.setdefault("prob_helpers", {})
    if id(t.fn) not in memo:
        memo[id(t.fn)] = False  # a helper calling itself proves nothing
        rets = [n.value for n in walk_scope(t.fn) if isinstance(n, ast.Return)]
        memo[id(t.fn)] = bool(rets) and all(r is not None and _is_activation(ctx, r, t.fn, 1) for r in rets)
    return memo[id(t.fn)]


def _passed_prob_model(ctx: Context, func: ast.Name, prob_models: set[str]) -> bool:
    """`model(x)` in `def run(model, ...)` where every call of `run` passes a model whose output
    is probabilities (`run(m, ...)` with `m = Wrapper(...)`, or `run(Wrapper(...), ...)`)."""
    scope = ctx.scope_of(func)
    if func.id in ctx.values or isinstance(scope, ast.Module) or not is_param(scope, func.id):
        return False
    bounds = bounds_or_args(ctx, func.id, func)
    prob_classes = _prob_classes(ctx)
    return bool(bounds) and all(
        not b.index and not b.loop
        and (dotted(b.value) in prob_models or isinstance(b.value, ast.Call) and callee(b.value) in prob_classes)
        for b in bounds
    )  # fmt: skip


def _given_prob_model(ctx: Context, call: ast.Call, prob_models: set[str]) -> bool:
    """`self.model(x)` in a trainer class whose `__init__(self, model)` stores `self.model = model`,
    when every construction of that class in this file passes a model that outputs probabilities
    (`Trainer(build_net())` with `build_net` returning a Sequential ending in Softmax)."""
    key = callee(call)
    if not key.startswith("self.") or key.count(".") != 1 or (cls := enclosing_class(ctx, call)) is None:
        return False
    init = next((f for f in cls.body if isinstance(f, ast.FunctionDef) and f.name == "__init__"), None)
    param = stored_param(init, key[5:]) if init is not None else None
    if param is None:
        return False
    names = [p.arg for p in [*init.args.posonlyargs, *init.args.args]][1:]  # type: ignore[union-attr]
    i = names.index(param) if param in names else -1
    given = [
        passed(c, i, param)
        for c in ctx.calls if last(callee(c)) == cls.name
    ]  # fmt: skip
    return bool(given) and all(g is not None and _prob_model_value(ctx, g, prob_models, 0) for g in given)


def _prob_model_value(ctx: Context, v: ast.AST, prob_models: set[str], depth: int) -> bool:
    """A model whose output is probabilities: a name known as one, a Sequential ending in
    Softmax/Sigmoid, a class of this file whose forward returns them, or a call to a function of
    this file every return of which is one of those (a `build_model()` factory)."""
    if isinstance(v, ast.Name):
        return v.id in prob_models
    v = _unmoved(v) if isinstance(v, ast.Call) else v  # `nn.Sequential(..., nn.Softmax(1)).to(device)`
    if not isinstance(v, ast.Call):
        return False
    if _ends_in_activation(v, ctx) and last(callee(v)) == "Sequential" or callee(v) in _prob_classes(ctx):
        return True
    t = resolve(ctx, v) if isinstance(v.func, ast.Name) and depth < 2 else None
    if t is None or t.self_key is not None:
        return False
    rets = [n.value for n in walk_scope(t.fn) if isinstance(n, ast.Return)]
    return bool(rets) and all(r is not None and _prob_model_value(ctx, r, prob_models, depth + 1) for r in rets)


def _param_is_prob(ctx: Context, name: ast.Name, scope: ast.AST, depth: int, prob_models: set[str] | None) -> bool:
    """A parameter of a plain helper (`def compute_loss(scores, y)`) or of a method (a trainer's
    `self.compute_loss(probs, y)`, a loss module's forward) is probabilities when every call of
    it in this file passes probabilities for it."""
    if isinstance(scope, ast.Module) or not is_param(scope, name.id):
        return False
    bounds = bounds_through_methods(ctx, name.id, name)  # a trainer's `self.compute_loss(probs, y)` too
    if not bounds:
        return False
    return all(not b.index and not b.loop and _is_activation(ctx, b.value, ctx.scope_of(b.value), depth + 1, prob_models) for b in bounds)


def _self_is_prob(ctx: Context, call: ast.Call) -> bool:
    """`self(x)` / `self.forward(x)` in a module class whose forward returns probabilities."""
    if callee(call) not in ("self", "self.forward"):
        return False
    cls = enclosing_class(ctx, call)
    return cls is not None and cls.name in ctx.memo.get("prob_classes", ())


SHAPE_METHODS = {"view", "reshape", "flatten", "squeeze", "unsqueeze", "contiguous", "permute", "transpose"}


def _logprob_models(ctx: Context) -> set[str]:
    """Names holding a module class of this file whose forward returns log_softmax."""
    if "logprob_models" not in ctx.memo:
        classes = set()
        for cls in ctx.classes:
            for fn in cls.body:
                if isinstance(fn, ast.FunctionDef) and fn.name == "forward":
                    rets = [n.value for n in walk_scope(fn) if isinstance(n, ast.Return) and n.value is not None]
                    if rets and all(_is_logprob(ctx, r, fn, 0, set()) for r in rets):
                        classes.add(cls.name)
        ctx.memo["logprob_models"] = {name for name, ctor in ctx.modules.items() if ctor in classes}
    return ctx.memo["logprob_models"]


def _is_logprob(ctx: Context, expr: ast.AST, scope: ast.AST, depth: int, models: set[str]) -> bool:
    """`F.log_softmax(...)`, `nn.LogSoftmax(...)(x)`, a model whose forward returns one."""
    if isinstance(expr, ast.Call):
        if (last(callee(expr)) or method(expr)) == "log_softmax" or callee(expr) in models:
            return True
        if isinstance(expr.func, ast.Call) and last(callee(expr.func)) == "LogSoftmax":
            return True
        return ctx.modules.get(callee(expr)) == "LogSoftmax"
    if isinstance(expr, ast.Name) and depth < 5:
        values = [n.value for n in ctx.assigns_in(scope).get(expr.id, []) if len(n.targets) == 1 and isinstance(n.targets[0], ast.Name)]  # type: ignore[attr-defined]
        return bool(values) and all(_is_logprob(ctx, v, scope, depth + 1, models) for v in values)
    return False


def _is_activation(ctx: Context, expr: ast.AST, scope: ast.AST, depth: int, prob_models: set[str] | None = None) -> bool:
    if isinstance(expr, ast.Call):
        name = last(callee(expr)) or method(expr)
        if name in ("softmax", "sigmoid"):
            return True
        if method(expr) in SHAPE_METHODS and isinstance(expr.func, ast.Attribute) and depth < 3:
            return _is_activation(ctx, expr.func.value, scope, depth + 1, prob_models)
        if name == "exp" and depth < 3:  # exp of log-probabilities: probabilities again
            inner = expr.args[0] if callee(expr) in ("torch.exp", "exp") and expr.args else getattr(expr.func, "value", None)
            return inner is not None and _is_logprob(ctx, inner, scope, depth + 1, _logprob_models(ctx))
        if isinstance(expr.func, ast.Call) and last(callee(expr.func)) in ("Softmax", "Sigmoid"):
            return True
        if ctx.modules.get(callee(expr)) in ("Softmax", "Sigmoid") or _config_activation(ctx, callee(expr)):
            return True
        if prob_models and callee(expr) in prob_models:
            return True
        if _helper_gives_probs(ctx, expr):
            return True
        if prob_models and isinstance(expr.func, ast.Name) and _passed_prob_model(ctx, expr.func, prob_models):
            return True
        if callee(expr).startswith("self.") and callee(expr) in ctx.values:  # self.model = model (a class of this file)
            cls = instance_class(ctx, callee(expr), expr)
            if cls is not None and cls in _prob_classes(ctx):
                return True
        if prob_models is not None and _given_prob_model(ctx, expr, prob_models):
            return True
        return _self_is_prob(ctx, expr)
    if isinstance(expr, ast.Subscript) and depth < 4:
        return _subscript_is_prob(ctx, expr)
    if isinstance(expr, ast.Name) and depth < 4:
        b = reaching(ctx, expr.id, expr)  # `x = self.softmax(x); return x` after other x = ...
        if isinstance(b, Bound) and not b.index and not b.loop:
            return _is_activation(ctx, b.value, scope, depth + 1, prob_models)
        if isinstance(b, Bound) and len(b.index) == 1 and not b.loop and isinstance(b.value, ast.Call):
            return b.index[0] in _prob_slots(ctx, b.value)  # `probs, state = model(x)`
        assigns = ctx.assigns_in(scope).get(expr.id, [])
        if not assigns or _param_before_rebinding(ctx, expr, scope, assigns):
            # A parameter read before any rebinding holds what the callers pass, not what a
            # later `x = torch.sigmoid(x)` makes of it (a loss on logits, then a weight from them).
            return _param_is_prob(ctx, expr, scope, depth, prob_models)
        values = [n.value for n in assigns if len(n.targets) == 1 and isinstance(n.targets[0], ast.Name)]  # type: ignore[attr-defined]
        return bool(values) and all(_is_activation(ctx, v, scope, depth + 1, prob_models) for v in values)
    return False


def _param_before_rebinding(ctx: Context, name: ast.Name, scope: ast.AST, assigns: list[ast.AST]) -> bool:
    """`name` is a parameter of `scope` read before any statement rebinds it (and not in a loop
    that rebinds it later): it holds what the callers pass."""
    if isinstance(scope, ast.Module) or not is_param(scope, name.id):
        return False
    if any(a.lineno <= name.lineno for a in assigns):  # type: ignore[attr-defined]
        return False
    for up in ctx.ancestors(name):
        if up is scope:
            return True
        if isinstance(up, (ast.For, ast.AsyncFor, ast.While)) and any(a in set(walk(up)) for a in assigns):
            return False  # a later iteration reads the rebinding
    return True


def check(ctx: Context) -> None:
    if not any(w in ctx.text for w in ("softmax", "sigmoid", "Softmax", "Sigmoid")):
        return
    prob_models = _prob_models(ctx)
    for c in ctx.calls:
        kind = _loss_kind(ctx, c)
        if kind not in LOGIT_LOSSES | LOGPROB_LOSSES:
            continue
        x = arg(c, 0, "input")
        if x is None or not _is_activation(ctx, x, ctx.scope_of(c), 0, prob_models):
            continue
        what = dotted(x) or "the input"
        if kind in LOGIT_LOSSES:
            msg = (f"{kind} gets probabilities (`{what}` went through softmax/sigmoid): it applies "
                   "log-softmax itself, so gradients shrink and training stalls")
        else:
            msg = (f"{kind} gets probabilities (`{what}` went through softmax/sigmoid or exp of "
                   "log-probabilities); it expects log-probabilities (`log_softmax`)")
        ctx.report(ACTIVATION_LOSS, c, msg, loss=kind)


CHECKS = [check]
