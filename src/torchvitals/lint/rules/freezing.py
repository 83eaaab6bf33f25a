"""TVL006's evidence that what an optimizer leaves out may be frozen on purpose: a write of
`requires_grad`, a `no_grad` region that runs another part of the model, a parameter-efficient
library, a freeze helper this file cannot see into. optimizers.py asks before it reports."""

from __future__ import annotations

import ast
import re

from torchvitals.lint.calls import FUNCS, defined_names, functions, resolve
from torchvitals.lint.engine import Context, callee, dotted, last
from torchvitals.lint.rules.config_branches import decide_truth, literal_value
from torchvitals.lint.syntax import walk


def frozen_elsewhere(ctx: Context) -> bool:
    """Something this file cannot see into may freeze what an optimizer leaves out: inference
    mode, a parameter-efficient library, a helper whose name says it freezes (`freeze_backbone
    (model)` imported from elsewhere), or groups added later. (requires_grad and no_grad in the
    code are judged per sub-module by param_groups.py, or as a whole by `may_freeze`.)"""
    low = ctx.text.lower()
    if not any(w in low for w in _ELSEWHERE):
        return peft_library(ctx)
    code = code_words(ctx)
    return any(w in code for w in _ELSEWHERE) or peft_library(ctx)


_ELSEWHERE = ("add_param_group", "inference_mode", "freeze")


def code_words(ctx: Context) -> str:
    """The file's code without its comments and docstrings, as lower-case words: every name,
    attribute, definition, parameter, keyword, import and string constant. A comment saying
    "nothing freezes the backbone" is no freeze; `freeze_backbone(model)` or
    `cfg["freeze"]` may be one. Memoised."""
    if "code_words" not in ctx.memo:
        docs = {id(b[0].value) for n in walk(ctx.tree) if isinstance(b := getattr(n, "body", None), list) and b
                and isinstance(b[0], ast.Expr) and isinstance(b[0].value, ast.Constant)}  # fmt: skip
        words = []
        for n in walk(ctx.tree):
            if isinstance(n, ast.Constant) and isinstance(n.value, str) and id(n) not in docs:
                words.append(n.value)
            else:
                words += [w for f in ("id", "attr", "name", "arg", "module") if isinstance(w := getattr(n, f, None), str)]
        ctx.memo["code_words"] = " ".join(words).lower()
    return ctx.memo["code_words"]


_PEFT = re.compile(r"\b(peft|lora|adapter|prefix_tuning|prompt_tuning)")


def peft_library(ctx: Context) -> bool:
    """A parameter-efficient library may freeze the base weights: an import names one, or the
    file calls a function or method it neither defines nor binds whose name says so
    (`model.add_adapter(...)`, `get_peft_model(...)`). Adapter or LoRA classes the file writes itself freeze
    nothing unless the file says so (requires_grad, judged elsewhere)."""
    if not _PEFT.search(ctx.text.lower()):
        return False
    if "peft_library" not in ctx.memo:
        own = defined_names(ctx) | {c.name for c in ctx.classes}
        imports = [n for n in walk(ctx.tree) if isinstance(n, (ast.Import, ast.ImportFrom))]
        calls = {last(name) for c in ctx.calls if (name := callee(c)) not in ctx.values} - own  # not `self.adapter(x)`
        ctx.memo["peft_library"] = any(_PEFT.search(ast.unparse(n).lower()) for n in imports) or any(
            _PEFT.search(c.lower()) for c in calls)
    return ctx.memo["peft_library"]


def may_freeze(ctx: Context) -> bool:
    """The code (not a comment) touches requires_grad or no_grad (walked once, only when asked)."""
    if "requires_grad" not in ctx.text and "no_grad" not in ctx.text:
        return False
    if "may_freeze" not in ctx.memo:
        ctx.memo["may_freeze"] = _freezes(ctx)
    return ctx.memo["may_freeze"]


def may_freeze_beside(ctx: Context, parent: str, kept: str) -> bool:
    """Like `may_freeze`, but a `no_grad` used only to evaluate or sample does not count: one
    that touches no other part of `parent` than `kept` (`model.backbone(x)`, or a name bound to
    it, or in a helper it calls) and holds no backward. `requires_grad` anywhere, or a freeze
    this file cannot see into, still counts."""
    if frozen_elsewhere(ctx):  # `freeze_backbone(model)` from elsewhere, adapters, later groups
        return True
    if not may_freeze(ctx):
        return False
    if "requires_grad" in ctx.text and any(sets_requires_grad(n) for n in walk(ctx.tree)):
        return True
    return any(holds_backward(ctx, r) or runs_sibling(ctx, r, parent, kept) for r in no_grad_regions(ctx))


def no_grad_regions(ctx: Context) -> list[ast.AST]:
    """`with torch.no_grad():` blocks and `@torch.no_grad()` functions; the whole module when a
    `no_grad` is used any other way (a conditional context, a name bound to it): it may be
    anywhere. Memoised."""
    if "no_grad_regions" in ctx.memo:
        return ctx.memo["no_grad_regions"]
    out: list[ast.AST] = []
    covered: set[int] = set()
    for n in walk(ctx.tree):
        if isinstance(n, (ast.With, ast.AsyncWith)) and any(_is_no_grad(i.context_expr) for i in n.items):
            out.append(n)
            covered |= {id(x) for i in n.items for x in walk(i.context_expr)}
        elif isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and any(_is_no_grad(d) for d in n.decorator_list):
            out.append(n)
            covered |= {id(x) for d in n.decorator_list for x in walk(d)}
    if any(_names_no_grad(n) and id(n) not in covered for n in walk(ctx.tree)):
        out.append(ctx.tree)
    ctx.memo["no_grad_regions"] = out
    return out


def _names_no_grad(n: ast.AST) -> bool:
    return (isinstance(n, ast.Attribute) and n.attr == "no_grad") or (isinstance(n, ast.Name) and n.id == "no_grad")


def _is_no_grad(expr: ast.expr) -> bool:
    return last(dotted(expr.func if isinstance(expr, ast.Call) else expr) or "") == "no_grad"


def holds_backward(ctx: Context, region: ast.AST) -> bool:
    """The region is the module (a no_grad used some other way: anywhere) or holds a backward."""
    return isinstance(region, ast.Module) or any(_within(b, region) for b in ctx.backwards)


def _within(inner: ast.AST, outer: ast.AST) -> bool:
    return outer.lineno <= inner.lineno <= (outer.end_lineno or 0)  # type: ignore[attr-defined]


def runs_sibling(ctx: Context, region: ast.AST, parent: str, kept: str, depth: int = 0) -> bool:
    """The region touches a part of `parent` other than `kept` (`model.backbone(x)`,
    `extract(model.backbone, x)`, a name bound to it, `self.query_encoder` in a module's own
    method), directly or in a function or lambda it calls, or hands `parent` to a function of
    this file: the no_grad may be what keeps that part out of training."""
    in_module = depth == 0 and _in_module_class(ctx, region)
    for n in walk(region):
        if isinstance(n, ast.Attribute) and _other_part(dotted(n) or "", parent, kept, in_module):
            return True
        if isinstance(n, ast.Name) and n.id != parent:
            for v in ctx.values.get(n.id, []):
                if _other_part(dotted(v) or "", parent, kept, False):
                    return True
                if isinstance(v, ast.Lambda) and depth == 0 and runs_sibling(ctx, v.body, parent, kept, 1):
                    return True
        if isinstance(n, ast.Call) and depth == 0 and (t := resolve(ctx, n)) is not None:
            if any(dotted(a) == parent for a in [*n.args, *(k.value for k in n.keywords)]) or runs_sibling(ctx, t.fn, parent, kept, 1):
                return True
    return False


def _in_module_class(ctx: Context, node: ast.AST) -> bool:
    """`node` sits in a method of an nn.Module subclass of this file."""
    up = ctx.parent.get(node)
    while up is not None and not isinstance(up, ast.ClassDef):
        up = ctx.parent.get(up)
    return up is not None and up.name in ctx.module_classes  # type: ignore[attr-defined]


def _other_part(path: str, parent: str, kept: str, in_module: bool) -> bool:
    """`path` names a part of `parent` (or of `self`, in a module's method) that is not `kept`
    and not one of nn.Module's own methods (`model.eval`, `model.parameters`)."""
    if in_module and path.startswith("self."):
        attr = path.split(".")[1]
        return attr not in _BOOKKEEPING and attr != last(kept)
    if not path.startswith(parent + "."):
        return False
    attr = path[len(parent) + 1 :].split(".")[0]
    return attr not in _BOOKKEEPING and f"{parent}.{attr}" != kept and not kept.startswith(f"{parent}.{attr}.")


# Methods of nn.Module that run no part of the model's forward pass.
_BOOKKEEPING = {"eval", "train", "to", "cuda", "cpu", "half", "float", "double", "parameters", "named_parameters",
                "state_dict", "load_state_dict", "zero_grad", "modules", "children", "buffers", "apply", "forward"}


def _freezes(ctx: Context) -> bool:
    for n in walk(ctx.tree):
        if sets_requires_grad(n) or isinstance(n, ast.Attribute) and n.attr == "no_grad":
            return True
        if isinstance(n, ast.Name) and n.id == "no_grad":
            return True
    return False


def sets_requires_grad(n: ast.AST) -> bool:
    """`p.requires_grad = False`, `m.requires_grad_(False)`, `requires_grad=False`: a write that
    may freeze. Reading the flag (`[p for p in head.parameters() if p.requires_grad]`,
    `filter(lambda p: p.requires_grad, ...)`) freezes nothing."""
    if isinstance(n, ast.Attribute):
        return n.attr == "requires_grad_" or n.attr == "requires_grad" and not isinstance(n.ctx, ast.Load)
    if isinstance(n, ast.keyword):
        return n.arg in ("requires_grad", "requires_grad_")
    return isinstance(n, ast.Name) and n.id in ("requires_grad", "requires_grad_")


def freezes_only_when(ctx: Context) -> list[ast.expr]:
    """The tests under which the file freezes anything, when every freeze it may do sits under
    a setting's `if` (`if cfg.freeze_backbone: freeze(model.backbone)`), directly or around
    every call of the helper that writes `requires_grad`; [] when some freeze may run anyway, or
    happens where the file cannot see (an imported freeze helper, adapters, later groups)."""
    low = ctx.text.lower()
    if "requires_grad" not in ctx.text or "add_param_group" in low or "inference_mode" in low or peft_library(ctx):
        return []
    own = set(functions(ctx)) | {f.name for c in ctx.classes for f in c.body if isinstance(f, FUNCS)}
    if any("freeze" in last(callee(c)).lower() and last(callee(c)) not in own for c in ctx.calls):
        return []
    tests = []
    for n in walk(ctx.tree):
        if sets_requires_grad(n):
            test = _setting_written(ctx, n)
            test = _guard(ctx, n, 0) if test is None else test
            if test is None:
                return []
            tests.append(test)
    return tests


def _written(ctx: Context, n: ast.AST) -> ast.expr | None:
    """The value a requires_grad write stores: `p.requires_grad = <v>`, `m.requires_grad_(<v>)`;
    None when it is not one of these or the flag is a constant. (A `requires_grad=<v>` keyword
    mostly makes a leaf tensor, `torch.zeros(..., requires_grad=need)`: no freeze to read.)"""
    up = ctx.parent.get(n)
    if isinstance(up, ast.Assign) and n in up.targets:
        v = up.value
    elif isinstance(up, ast.Call) and up.func is n and len(up.args) == 1 and not up.keywords:
        v = up.args[0]
    else:
        return None
    return None if isinstance(v, ast.Constant) else v


def _setting_written(ctx: Context, n: ast.AST) -> ast.expr | None:
    """A write that stores a setting, not a constant (`p.requires_grad = not freeze` in a
    helper called with `args.freeze_backbone`): it freezes only when the setting says so, as an
    `if freeze:` around a `= False` would. The test under which it freezes (the setting, its
    negation undone), unless the file decides it freezes, or the value reads a loop variable
    (`p.requires_grad = name.startswith("head")` picks parameters, on every run)."""
    v = _written(ctx, n)
    if v is None:
        return None
    loop_vars: set[str] = set()
    for a in ctx.ancestors(n):
        if isinstance(a, (ast.For, ast.AsyncFor, ast.comprehension)):
            loop_vars |= {x.id for x in walk(a.target) if isinstance(x, ast.Name)}
        if isinstance(a, (*FUNCS, ast.Lambda)):
            break
    if loop_vars & {x.id for x in walk(v) if isinstance(x, ast.Name)}:
        return None
    if decide_truth(ctx, v, ctx.scope_of(n)) is False:
        return None  # the file always stores False: the freeze runs (its `if`s are judged by _guard)
    return v.operand if isinstance(v, ast.UnaryOp) and isinstance(v.op, ast.Not) else ast.UnaryOp(op=ast.Not(), operand=v)


def _guard(ctx: Context, node: ast.AST, depth: int) -> ast.expr | None:
    """The test of an `if` that `node` runs under and that the file does not decide for it (not
    one reading a loop's variable: `if i < freeze_at` picks parameters, it does not gate the
    freeze); else, in a function, the guard of every call of it (two calls up). None when the
    node may run unguarded."""
    child, loop_vars = node, set()
    for a in ctx.ancestors(node):
        if isinstance(a, (ast.For, ast.AsyncFor, ast.comprehension)):
            loop_vars |= {n.id for n in walk(a.target) if isinstance(n, ast.Name)}
        if isinstance(a, (*FUNCS, ast.Lambda)):
            break
    for a in ctx.ancestors(node):
        if isinstance(a, ast.If) and child is not a.test and _never_below(ctx, a, node):
            return a.test  # `if i < freeze_at:` with freeze_at read back to 0: the freeze never runs
        if isinstance(a, ast.If) and child is not a.test and "__name__" not in ast.unparse(a.test) and not loop_vars & {
                n.id for n in walk(a.test) if isinstance(n, ast.Name)}:  # fmt: skip
            decided = decide_truth(ctx, a.test, ctx.scope_of(a))
            if decided is None:
                return a.test
            if decided == any(child is s for s in a.body):
                return None  # the configuration takes the freezing side
            return a.test
        if isinstance(a, FUNCS):
            calls = [c for c in ctx.calls if last(callee(c)) == a.name] if depth < 2 else []
            guards = [_guard(ctx, c, depth + 1) for c in calls]
            return guards[0] if guards and all(g is not None for g in guards) else None
        if isinstance(a, (ast.Lambda, ast.ClassDef)):
            return None
        child = a
    return None


def _never_below(ctx: Context, branch: ast.If, node: ast.AST) -> bool:
    """`for i, stage in enumerate(...): if i < n:` (or `for i in range(...)`) holding `node` in its
    body, with `n` read back to a number no index is below (0 for `<`): the body never runs."""
    test = branch.test
    if not (isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], (ast.Lt, ast.LtE))):
        return False
    if not (isinstance(test.left, ast.Name) and any(node is s or node in walk(s) for s in branch.body)):
        return False
    loop = next((a for a in ctx.ancestors(branch) if isinstance(a, ast.For) and _index_of(a) == test.left.id), None)
    if loop is None:
        return False
    bound = literal_value(ctx, test.comparators[0], ctx.scope_of(branch))
    if not (isinstance(bound, ast.Constant) and isinstance(bound.value, int) and not isinstance(bound.value, bool)):
        return False
    return bound.value <= 0 if isinstance(test.ops[0], ast.Lt) else bound.value < 0


def _index_of(loop: ast.For) -> str | None:
    """The counter a loop starts at 0: `i` of `enumerate(x)` or of `range(n)`."""
    it, t = loop.iter, loop.target
    if isinstance(it, ast.Call) and callee(it) == "enumerate" and len(it.args) == 1 and not it.keywords:
        return t.elts[0].id if isinstance(t, ast.Tuple) and isinstance(t.elts[0], ast.Name) else None
    if isinstance(it, ast.Call) and callee(it) == "range" and len(it.args) == 1:
        return t.id if isinstance(t, ast.Name) else None
    return None
