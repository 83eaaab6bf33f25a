"""TVL006 through a loop that gathers a model's parameters for the optimizer and skips some by
name before it files the rest:

    for name, p in model.named_parameters():
        if any(word in name for word in SKIP):    # SKIP = ("embeddings",): "keep them as they are"
            continue
        (no_decay if "bias" in name else decay).append(p)

The skipped parameters are in no list, so no optimizer updates them; unless something freezes
them they still get gradients each step and never change. A sub-module of the model class of
this file is judged skipped only when a `continue` test is decidably true for every parameter
name it may have (its attribute's prefix is enough for `"embeddings" in name`), it runs with
gradients, nothing in the file freezes it, and the file has no other place that could hand it
to an optimizer (one optimizer constructor that does not name it, one `named_parameters()`
loop, no `.parameters()` of it). optimizers.py reports what this finds."""

from __future__ import annotations

import ast
from collections.abc import Callable

from torchvitals.lint.calls import FUNCS
from torchvitals.lint.engine import Context, callee, dotted, method, receiver, walk_scope
from torchvitals.lint.rules.param_groups import _frozen_anywhere, runs_with_grad
from torchvitals.lint.rules.param_routes import (
    _feeds_optimizer,
    _model_class,
    _parameter_names,
)
from torchvitals.lint.rules.value_kinds import Seq
from torchvitals.lint.rules.values import possible
from torchvitals.lint.syntax import walk


def skipped_parameters(ctx: Context, is_ctor: Callable[[ast.Call], bool]) -> list[tuple[ast.AST, str, list[str]]]:
    """(the gathering loop, the model as the loop names it, the trained sub-modules it skips)."""
    if ctx.text.count("named_parameters(") != 1:
        return []
    ctors = [c for c in ctx.calls if is_ctor(c) and ".lr_scheduler." not in f".{callee(c)}."]
    if len(ctors) != 1:
        return []
    out = []
    for loop in (n for n in walk(ctx.tree) if isinstance(n, ast.For)):
        skips = _skip_tests(loop)
        model = receiver(loop.iter) if skips else None  # type: ignore[arg-type]
        cls = _model_class(ctx, model or "", loop, 0) if model else None
        cls_node = next((c for c in ctx.classes if c.name == cls), None)
        if cls_node is None or not _fed(ctx, loop, is_ctor, ctors[0]):
            continue
        var = loop.target.elts[0].id  # type: ignore[attr-defined]
        left = [attr for attr, names in _parameter_names(ctx, cls_node)
                if any(_passes(ctx, t, var, attr, names) for t in skips)
                and runs_with_grad(ctx, cls_node, attr) and not _frozen_anywhere(ctx, attr)
                and not _named_elsewhere(ctx, ctors[0], attr)]  # fmt: skip
        if left:
            out.append((loop, model or "", left))
    return out


def _skip_tests(loop: ast.For) -> list[ast.expr]:
    """The tests of the leading `if ...: continue` statements of `for name, p in
    X.named_parameters():` whose later statements append `p` somewhere; [] for any other loop."""
    it, tgt = loop.iter, loop.target
    if not (isinstance(it, ast.Call) and method(it) == "named_parameters" and not it.args and receiver(it)):
        return []
    if not (isinstance(tgt, ast.Tuple) and len(tgt.elts) == 2 and all(isinstance(e, ast.Name) for e in tgt.elts)):
        return []
    p = tgt.elts[1].id  # type: ignore[attr-defined]
    tests: list[ast.expr] = []
    body = list(loop.body)
    while body and isinstance(body[0], ast.If) and not body[0].orelse and [type(s) for s in body[0].body] == [ast.Continue]:
        tests.append(body.pop(0).test)  # type: ignore[attr-defined]
    appends = any(isinstance(c, ast.Call) and method(c) == "append" and any(isinstance(a, ast.Name) and a.id == p for a in c.args)
                  for s in body for c in walk(s))  # fmt: skip
    return tests if appends else []


def _passes(ctx: Context, test: ast.expr, var: str, attr: str, names: list[str | None]) -> bool:
    """The skip test holds for every parameter of `self.<attr>`: for each name the layer is known
    to make, or for its attribute's prefix alone when the names are not known."""
    known = [n for n in names if n is not None]
    if known and len(known) == len(names):
        return all(_holds(ctx, test, var, n, whole=True) is True for n in known)
    return _holds(ctx, test, var, attr + ".", whole=False) is True


def _holds(ctx: Context, t: ast.expr, var: str, name: str, whole: bool, words: dict[str, str] | None = None) -> bool | None:
    """The test's value for a parameter named `name` (only its beginning when not `whole`);
    None when undecided. `any(w in name for w in WORDS)` reads WORDS through the evaluator."""
    words = words or {}
    if isinstance(t, ast.BoolOp):
        vals = [_holds(ctx, v, var, name, whole, words) for v in t.values]
        want = isinstance(t.op, ast.Or)
        return want if want in vals else None if None in vals else not want
    if isinstance(t, ast.Call) and isinstance(t.func, ast.Name) and t.func.id == "any" and len(t.args) == 1:
        return _any(ctx, t.args[0], var, name, whole, words)
    word = _word(t.left, words) if isinstance(t, ast.Compare) else None
    if word is not None and len(t.ops) == 1 and isinstance(t.ops[0], ast.In) and dotted(t.comparators[0]) == var:  # type: ignore[attr-defined]
        return True if word in name else False if whole else None
    if isinstance(t, ast.Call) and method(t) == "startswith" and dotted(t.func.value) == var and len(t.args) == 1:  # type: ignore[attr-defined]
        word = _word(t.args[0], words)
        if word is None:
            return None
        return True if name.startswith(word) else None if not whole and word.startswith(name) else False
    return None


def _any(ctx: Context, gen: ast.expr, var: str, name: str, whole: bool, words: dict[str, str]) -> bool | None:
    """`any(<test of w> for w in WORDS)` over words the evaluator reads in full."""
    if not (isinstance(gen, ast.GeneratorExp) and len(gen.generators) == 1 and not gen.generators[0].ifs):
        return None
    comp = gen.generators[0]
    vals = possible(ctx, comp.iter)
    if not isinstance(comp.target, ast.Name) or vals is None or len(vals) != 1:
        return None
    seq = next(iter(vals))
    if not isinstance(seq, Seq) or not all(isinstance(w, str) for w in seq.items):
        return None
    results = [_holds(ctx, gen.elt, var, name, whole, {**words, comp.target.id: w}) for w in seq.items]
    return True if True in results else None if None in results else False


def _word(e: ast.expr, words: dict[str, str]) -> str | None:
    if isinstance(e, ast.Constant) and isinstance(e.value, str):
        return e.value
    return words.get(e.id) if isinstance(e, ast.Name) else None


def _named_elsewhere(ctx: Context, ctor: ast.Call, attr: str) -> bool:
    """The optimizer constructor names the sub-module, or the file reads its parameters some
    other way (`model.embeddings.parameters()` added to the groups later), or ties its weights
    to another module's (`self.lm_head.weight = self.embed.weight`: `named_parameters()` yields
    a shared parameter once, under the first name, so skipping the second name loses nothing)."""
    if any(isinstance(n, ast.Attribute) and n.attr == attr for n in walk(ctor)) or f".{attr}.parameters(" in ctx.text:
        return True
    return any(isinstance(n, ast.Assign) and any(f".{attr}." in (dotted(t) or "") for t in n.targets)
               for n in ctx.assigns)  # fmt: skip


def _fed(ctx: Context, loop: ast.For, is_ctor: Callable[[ast.Call], bool], ctor: ast.Call) -> bool:
    """The lists the loop fills (`decay.append(p)`, `(a if c else b).append(p)`) go to the
    optimizer: named in a constructor of the loop's scope, unpacked from its function's call
    into one (param_routes.py), or returned inside groups built straight into one."""
    lists = {n.id for c in walk(loop) if isinstance(c, ast.Call) and method(c) == "append" and isinstance(c.func, ast.Attribute)
             for n in walk(c.func.value) if isinstance(n, ast.Name)}  # fmt: skip
    if _feeds_optimizer(ctx, loop, is_ctor) or _feeds_optimizer(ctx, loop, is_ctor, lists):  # type: ignore[arg-type]
        return True
    return _returned_into(ctx, loop, ctor, lists)


def _returned_into(ctx: Context, loop: ast.For, ctor: ast.Call, lists: set[str]) -> bool:
    """The loop's function returns groups built from the lists it fills (`return [{"params":
    decay, ...}, {"params": no_decay, ...}]`) and the optimizer is built straight from a call of
    it (`AdamW(param_groups(model, wd))`)."""
    fn = ctx.scope_of(loop)
    if not isinstance(fn, FUNCS):
        return False
    rets = [r.value for r in walk_scope(fn) if isinstance(r, ast.Return) and r.value is not None]
    if not rets or not all(lists & {dotted(n) for n in walk(r) if isinstance(n, ast.Name)} for r in rets):
        return False
    return any(isinstance(c, ast.Call) and isinstance(c.func, ast.Name) and c.func.id == fn.name for c in walk(ctor))
