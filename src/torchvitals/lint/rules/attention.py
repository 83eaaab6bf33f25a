"""TVL010: boolean attention masks with the wrong polarity.

`F.scaled_dot_product_attention`: a boolean `attn_mask` is True where attention IS allowed.
`nn.MultiheadAttention` / `nn.Transformer*`: a boolean mask is True where attention is NOT
allowed. A `torch.triu(..., diagonal=1)` mask marks the future: right for the second, inverted
for the first.
"""

from __future__ import annotations

import ast

from torchvitals.lint.calls import (
    FUNCS,
    Target,
    is_param,
    may_resolve,
    resolve,
)
from torchvitals.lint.engine import (
    Context,
    arg,
    callee,
    dotted,
    last,
    method,
    receiver,
    targets_of,
    walk_scope,
)
from torchvitals.lint.module_calls import element_forward, submodule_forward
from torchvitals.lint.rules.batches import collated, paired_element
from torchvitals.lint.rules.mask_sources import (
    MASK_RESHAPES,
    named_keep,
    passed_model_forward,
    tensor_dataset_part,
    tokenizer_mask,
)
from torchvitals.lint.syntax import walk
from torchvitals.rules.base import document

INVERTED_MASK = document(
    "TVL010",
    "inverted-attention-mask",
    what="A boolean mask with the wrong polarity: a `triu` (future = True) mask given to "
    "`F.scaled_dot_product_attention`, where True means *attend*; a `tril` mask or a "
    "`tokens != pad` mask given to `nn.MultiheadAttention`/`nn.Transformer*`, where True means "
    "*do not attend*.",
    why="The two APIs use opposite conventions. With the mask inverted, a causal model sees the "
    "future (training loss drops suspiciously fast, generation fails) or attends only to "
    "padding; no error is raised.",
    example="mask = torch.triu(torch.ones(T, T), diagonal=1).bool()\n"
    "out = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)",
    fix="For SDPA use `torch.tril(...).bool()` (or `is_causal=True`); for `nn.MultiheadAttention` "
    "use `torch.triu(..., diagonal=1).bool()` and `key_padding_mask = tokens == pad_id`.",
)

# How far a mask is followed: MAX_DEPTH steps of its expression in all; a parameter is followed
# to its callers only within the first HOP_DEPTH steps, which lets a mask made by a collate_fn
# reach an attention layer through model -> block -> attention (three parameters).
MAX_DEPTH = 10
HOP_DEPTH = 6
MHA_CLASSES = {"MultiheadAttention", "TransformerEncoderLayer", "TransformerDecoderLayer",
               "TransformerEncoder", "TransformerDecoder", "Transformer"}  # fmt: skip
MASK_ARGS = {"attn_mask", "mask", "src_mask", "tgt_mask", "memory_mask"}
PAD_ARGS = {"key_padding_mask", "src_key_padding_mask", "tgt_key_padding_mask", "memory_key_padding_mask"}


def _resolve(ctx: Context, expr: ast.AST, scope: ast.AST) -> ast.AST | None:
    if not isinstance(expr, ast.Name):
        return expr
    values = [paired_element(n, expr.id) for n in ctx.assigns_in(scope).get(expr.id, [])]
    return values[0] if len(values) == 1 else None


def _causal(ctx: Context, expr: ast.AST | None, scope: ast.AST, depth: int = 0) -> tuple[str, bool] | None:
    """('future' | 'past', is_bool) for a triu/tril-built mask: which side is True."""
    if expr is None or depth > MAX_DEPTH:
        return None
    hop = _hop(ctx, expr, scope, depth, _causal)
    if hop is not _NOT_A_HOP:
        return hop  # type: ignore[return-value]
    if isinstance(expr, ast.Name):
        return _causal(ctx, _resolve(ctx, expr, scope), scope, depth + 1)
    if isinstance(expr, ast.Subscript):  # `self.mask[:T, :T]`: a slice keeps which side is True
        return _causal(ctx, expr.value, scope, depth + 1)
    if isinstance(expr, ast.Attribute) and isinstance(expr.value, ast.Name) and expr.value.id == "self":
        found = _attribute_value(ctx, expr.attr, scope)
        return _causal(ctx, found[0], found[1], depth + 1) if found else None
    if isinstance(expr, ast.UnaryOp) and isinstance(expr.op, ast.Invert):
        inner = _causal(ctx, expr.operand, scope, depth + 1)
        return (_flip(inner[0]), True) if inner else None
    if isinstance(expr, ast.Compare) and len(expr.ops) == 1 and isinstance(expr.comparators[0], ast.Constant):
        inner = _causal(ctx, expr.left, scope, depth + 1)
        if not inner:
            return None
        op, v = expr.ops[0], expr.comparators[0].value
        flips = (isinstance(op, ast.Eq) and v == 0) or (isinstance(op, ast.NotEq) and v == 1)
        return (_flip(inner[0]) if flips else inner[0], True)
    if isinstance(expr, ast.Call):
        m, name = method(expr), last(callee(expr))
        if m == "bool" or (m == "to" and expr.args and dotted(expr.args[0]) == "torch.bool"):
            inner = _causal(ctx, expr.func.value, scope, depth + 1)
            return (inner[0], True) if inner else None
        if name == "logical_not" and expr.args:
            inner = _causal(ctx, expr.args[0], scope, depth + 1)
            return (_flip(inner[0]), True) if inner else None
        if name in ("triu", "tril") or m in ("triu", "tril"):
            side = "future" if (name or m) == "triu" else "past"
            is_bool = any(dotted(n) == "torch.bool" for n in walk(expr))
            return side, is_bool
    return None


def _attribute_value(ctx: Context, attr: str, scope: ast.AST) -> tuple[ast.AST, ast.AST] | None:
    """What `self.<attr>` holds in the class around `scope`: the one value given to
    `self.register_buffer("<attr>", value)` or assigned to `self.<attr>` in its methods, with the
    method it is in; None when there is not exactly one."""
    par = ctx.parent.get(scope)
    if not isinstance(par, ast.ClassDef):
        return None
    found: list[tuple[ast.AST, ast.AST]] = []
    for fn in par.body:
        if not isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        for n in walk_scope(fn):
            if isinstance(n, ast.Call) and method(n) == "register_buffer" and receiver(n) == "self":
                name, value = arg(n, 0, "name"), arg(n, 1, "tensor")
                if isinstance(name, ast.Constant) and name.value == attr and value is not None:
                    found.append((value, fn))
            elif isinstance(n, ast.Assign) and f"self.{attr}" in targets_of(n):
                found.append((n.value, fn))
    return found[0] if len(found) == 1 else None


def _flip(side: str) -> str:
    return "past" if side == "future" else "future"


def _padding_polarity(ctx: Context, expr: ast.AST | None, scope: ast.AST, depth: int = 0) -> str | None:
    """'keep' when True marks real tokens (`x != pad`), 'pad' when True marks padding."""
    if expr is None or depth > MAX_DEPTH:
        return None
    hop = _hop(ctx, expr, scope, depth, _padding_polarity)
    if hop is not _NOT_A_HOP:
        return hop  # type: ignore[return-value]
    made = collated(ctx, expr, scope)  # a field of a batch: what the loader's collate_fn puts there
    if made:
        sides = {_padding_polarity(ctx, v, fn, depth + 1) for v, fn in made}
        return sides.pop() if len(sides) == 1 else None
    if isinstance(expr, ast.Name) and (part := tensor_dataset_part(ctx, expr.id, scope)) is not None:
        return _padding_polarity(ctx, part, ctx.scope_of(part), depth + 1)  # a TensorDataset's tensor, by rows
    if isinstance(expr, ast.Name):
        filled = _filled_mask(ctx, expr.id, scope)
        return filled or _padding_polarity(ctx, _resolve(ctx, expr, scope), scope, depth + 1)
    if (keyed := _keyed_param_hop(ctx, expr, scope, depth)) is not _NOT_A_HOP:
        return keyed  # type: ignore[return-value]
    if tokenizer_mask(ctx, expr, scope):
        return "keep"  # a tokenizer's attention_mask: 1 on real tokens
    if isinstance(expr, ast.Subscript):  # `(ids == pad)[:, None, None, :]`: indexing keeps the sides
        return _padding_polarity(ctx, expr.value, scope, depth + 1)
    if isinstance(expr, ast.Call) and method(expr) in ("unsqueeze", "view", "reshape", "expand", "to") and not (
        method(expr) == "to" and expr.args and (dotted(expr.args[0]) or "").startswith("torch.") and dotted(expr.args[0]) != "torch.bool"
    ):
        return _padding_polarity(ctx, expr.func.value, scope, depth + 1)  # type: ignore[attr-defined]
    if isinstance(expr, ast.UnaryOp) and isinstance(expr.op, ast.Invert):
        inner = _padding_polarity(ctx, expr.operand, scope, depth + 1)
        return {"keep": "pad", "pad": "keep"}.get(inner or "")
    if isinstance(expr, ast.Call) and method(expr) in ("eq", "ne") and len(expr.args) == 1:  # ids.eq(PAD)
        op = ast.Eq() if method(expr) == "eq" else ast.NotEq()
        expr = ast.Compare(left=expr.func.value, ops=[op], comparators=expr.args)  # type: ignore[attr-defined]
    if isinstance(expr, ast.Compare) and len(expr.ops) == 1 and (side := _length_mask(expr, ctx, scope)):
        return side
    if isinstance(expr, ast.Compare) and len(expr.ops) == 1 and (side := _mask_compared(ctx, expr, scope, depth)):
        return side
    if isinstance(expr, ast.Compare) and len(expr.ops) == 1:
        right = expr.comparators[0]
        padish = "pad" in (dotted(right) or "").lower() or (isinstance(right, ast.Constant) and right.value == 0 and "mask" not in (dotted(expr.left) or "").lower())
        counted = isinstance(expr.ops[0], ast.Gt) and "pad" in (dotted(expr.left) or "").lower()  # `n_pad > 0`: a count of padding
        if padish and (isinstance(expr.ops[0], ast.NotEq) or isinstance(expr.ops[0], ast.Gt) and not counted):  # `ids > 0`: ids above the pad id
            return "keep"
        if padish and isinstance(expr.ops[0], ast.Eq):
            return "pad"
    if isinstance(expr, ast.Call) and method(expr) == "bool":
        inner = expr.func.value  # type: ignore[attr-defined]
        judged = _padding_polarity(ctx, inner, scope, depth + 1)  # how it was made, when the file shows it
        key = inner.slice.value if isinstance(inner, ast.Subscript) and isinstance(inner.slice, ast.Constant) else None
        if judged is None and (last(dotted(inner) or "") == "attention_mask" or key == "attention_mask"):
            return "keep"  # else the Hugging Face convention: 1 = real token
        return judged
    return None


FILLS = {"zeros": False, "ones": True}


def _filled_mask(ctx: Context, name: str, scope: ast.AST) -> str | None:
    """A boolean mask made blank and filled row by row: `pad = torch.zeros(B, L,
    dtype=torch.bool)` then `pad[i, n:] = True` marks each row's tail past its length, the
    padding ('pad'); `keep[i, :n] = True` marks the real tokens ('keep'); a mask of ones set
    False flips the sides. Every fill of the name in the function must agree."""
    base = None
    sides = set()
    for n in walk_scope(scope):
        if isinstance(n, ast.AugAssign) and dotted(n.target) == name or isinstance(n, ast.Call) and receiver(n) == name and (method(n) or "").endswith("_"):
            return None  # `pad |= other`, `pad.fill_(...)`: changed in ways not read here
        if not (isinstance(n, ast.Assign) and len(n.targets) == 1):
            continue
        t = n.targets[0]
        if isinstance(t, ast.Name) and t.id == name:
            if base is not None or not isinstance(n.value, ast.Call) or last(callee(n.value)) not in FILLS:
                return None  # bound twice, or to something else than a blank boolean mask
            if not any(k.arg == "dtype" and dotted(k.value) == "torch.bool" for k in n.value.keywords):
                return None
            base = FILLS[last(callee(n.value))]
        elif isinstance(t, ast.Subscript) and isinstance(t.value, ast.Name) and t.value.id == name:
            cut = t.slice.elts[-1] if isinstance(t.slice, ast.Tuple) and t.slice.elts else t.slice
            v = n.value.value if isinstance(n.value, ast.Constant) else None
            if not isinstance(cut, ast.Slice) or cut.step is not None or (cut.lower is None) == (cut.upper is None) or v not in (0, 1):
                return None
            sides.add((cut.lower is not None, bool(v)))  # (the tail of the row, set True)
    if base is None or len(sides) != 1:
        return None
    tail, true = sides.pop()
    if true == base:
        return None  # setting what is already there says nothing
    return "pad" if tail == true else "keep"


def _mask_compared(ctx: Context, expr: ast.Compare, scope: ast.AST, depth: int) -> str | None:
    """`mask == 0` / `mask != 1` / `mask < 1` flips a 0/1 mask, `mask == 1` / `mask > 0` keeps
    it: for a mask whose sides the file shows, or a Hugging Face `attention_mask` (1 on real
    tokens) it does not build."""
    right, op = expr.comparators[0], expr.ops[0]
    if not (isinstance(right, ast.Constant) and right.value in (0, 1)) or isinstance(right.value, bool):
        return None
    if not isinstance(op, (ast.Eq, ast.NotEq)):  # an order test against the 0/1 boundary
        op = {(ast.Gt, 0): ast.NotEq(), (ast.GtE, 1): ast.NotEq(), (ast.Lt, 1): ast.Eq(), (ast.LtE, 0): ast.Eq()}.get((type(op), right.value))  # type: ignore[assignment]
        right = ast.Constant(value=0)
        if op is None:
            return None
    inner = _padding_polarity(ctx, expr.left, scope, depth + 1)
    if inner is None and (_hf_attention_mask(expr.left) or named_keep(expr.left)):
        inner = "keep"
    if inner is None:
        return None
    flips = (isinstance(op, ast.Eq) and right.value == 0) or (isinstance(op, ast.NotEq) and right.value == 1)
    return {"keep": "pad", "pad": "keep"}[inner] if flips else inner


def _hf_attention_mask(node: ast.AST) -> bool:
    """`attention_mask`, `batch["attention_mask"]`, `inputs.attention_mask`, reshaped or cast."""
    while True:
        if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant) and node.slice.value == "attention_mask":
            return True
        if isinstance(node, ast.Subscript):
            node = node.value
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in MASK_RESHAPES:
            node = node.func.value
        else:
            return last(dotted(node) or "") == "attention_mask"


def _torch_attention_call(ctx: Context, call: ast.Call) -> bool:
    """A call given a `key_padding_mask=`-style keyword (torch's MultiheadAttention/Transformer
    spelling) that no function or module class of this file defines: `attn(h, h, h,
    key_padding_mask=m)` with `attn` from an nn.ModuleList of attention layers."""
    if not any(k.arg in PAD_ARGS for k in call.keywords):
        return False
    return ctx.modules.get(callee(call)) not in ctx.module_classes and resolve(ctx, call) is None


_NOT_A_HOP = object()


def _hop(ctx: Context, expr: ast.AST, scope: ast.AST, depth: int, judge) -> object:
    """A mask made elsewhere: a parameter of the function, judged at every caller of this file
    that passes it (`layer(x, mask)` in a loop over a ModuleList, `self.attn(x, make_mask(ids))`),
    one answer when all agree; a helper of this file (`make_pad_mask(lengths)`) or a method of
    the class (`self.padding_mask(ids)`), judged at its returns. _NOT_A_HOP for anything else."""
    if isinstance(expr, ast.Name) and isinstance(scope, FUNCS) and is_param(scope, expr.id) and _resolve(ctx, expr, scope) is None:
        if depth > HOP_DEPTH:
            return None
        sides = set()
        for c in ctx.calls:
            t = (resolve(ctx, c) if may_resolve(ctx, c) else None) or submodule_forward(ctx, c) or element_forward(ctx, c) or passed_model_forward(ctx, c)
            if t is None or t.fn is not scope:
                continue
            given = _argument(t, c, expr.id)
            sides.add(judge(ctx, given, ctx.scope_of(c), depth + 1) if given is not None else None)
        return sides.pop() if len(sides) == 1 else None
    own_method = isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute) and dotted(expr.func.value) == "self"
    if isinstance(expr, ast.Call) and (own_method or not isinstance(expr.func, ast.Attribute)) and may_resolve(ctx, expr):
        t = resolve(ctx, expr)
        if t is None or not isinstance(t.fn, FUNCS) or t.fn.name == "forward":
            return _NOT_A_HOP
        rets = {judge(ctx, r.value, t.fn, depth + 1) for r in walk_scope(t.fn) if isinstance(r, ast.Return) and r.value is not None}
        return rets.pop() if len(rets) == 1 else None
    return _NOT_A_HOP


def _keyed_param_hop(ctx: Context, expr: ast.AST, scope: ast.AST, depth: int) -> object:
    """`b["src_mask"]` where `b` is a parameter (`def forward(self, b)` called as `model(b)` on a
    batch dict from the loader): the field under that key of what every caller passes, so a mask
    a collate_fn puts in the batch is judged where it is made. _NOT_A_HOP for anything else."""
    if not (isinstance(expr, ast.Subscript) and isinstance(expr.slice, ast.Constant) and isinstance(expr.slice.value, str)):
        return _NOT_A_HOP
    if not (isinstance(expr.value, ast.Name) and isinstance(scope, FUNCS) and is_param(scope, expr.value.id)):
        return _NOT_A_HOP

    def field_of(ctx: Context, given: ast.AST | None, at: ast.AST, d: int) -> str | None:
        if given is None:
            return None
        return _padding_polarity(ctx, ast.copy_location(ast.Subscript(value=given, slice=expr.slice, ctx=ast.Load()), given), at, d)

    return _hop(ctx, expr.value, scope, depth, field_of)


def _length_mask(expr: ast.Compare, ctx: Context | None = None, scope: ast.AST | None = None) -> str | None:
    """`positions < lengths[:, None]` is True on real frames ('keep'); `>=` on padding ('pad')."""
    op = expr.ops[0]
    if not isinstance(op, (ast.Lt, ast.LtE, ast.Gt, ast.GtE)):
        return None
    sides = (expr.left, expr.comparators[0])
    lens = [_names_length(side) for side in sides]
    positions = [_positions(side, ctx, scope) for side in sides]
    if positions[0] != positions[1] and (lens[positions.index(False)] or _names_count(sides[positions.index(False)])):
        lens = [not p for p in positions]  # `arange(max_len) < lengths[:, None]`: a `len` name on both sides
    if lens[0] == lens[1]:
        return None
    less = isinstance(op, (ast.Lt, ast.LtE))
    return "keep" if less == lens[1] else "pad"


def _names_length(side: ast.AST) -> bool:
    """The side reads a name saying length (`lengths`, `src_len`), and none saying padding:
    `arange(T) >= pad_len[:, None]` counts left padding, the opposite sides."""
    names = [n.id.lower() for n in walk(side) if isinstance(n, ast.Name)]
    return any("len" in n for n in names) and not any("pad" in n for n in names)


COUNT_WORDS = {"count", "counts", "num", "n", "size", "sizes", "ntok", "ntokens", "nframes"}


def _names_count(side: ast.AST) -> bool:
    """Compared with positions, a per-row count (`n_frames`, `num_tokens`, `valid_count`) says
    how many leading positions are real, as a length does."""
    words = [w for n in walk(side) if isinstance(n, ast.Name) for w in n.id.lower().split("_")]
    return any(w in COUNT_WORDS for w in words) and "pad" not in words


def _positions(side: ast.AST, ctx: Context | None = None, scope: ast.AST | None = None) -> bool:
    """The side holds frame positions: it is built from an `arange` (`torch.arange(T)[None, :]`),
    here or in the one assignment of a name it reads (`pos = torch.arange(T)`)."""
    if any(isinstance(n, ast.Call) and last(callee(n)) == "arange" for n in walk(side)):
        return True
    if ctx is None or scope is None:
        return False
    names = {n.id for n in walk(side) if isinstance(n, ast.Name)}
    values = [v for name in names for v in [_resolve(ctx, ast.Name(id=name, ctx=ast.Load()), scope)] if v is not None]
    return any(isinstance(n, ast.Call) and last(callee(n)) == "arange" for v in values for n in walk(v))


def _argument(t: Target, call: ast.Call, param: str) -> ast.AST | None:
    a = t.fn.args
    names = [p.arg for p in [*a.posonlyargs, *a.args]]
    if t.self_key is not None and names and names[0] in ("self", "cls"):
        names = names[1:]
    if param in names and names.index(param) < len(call.args):
        v = call.args[names.index(param)]
        return None if isinstance(v, ast.Starred) or any(isinstance(x, ast.Starred) for x in call.args[: names.index(param)]) else v
    return next((k.value for k in call.keywords if k.arg == param), None)


def check(ctx: Context) -> None:
    for c in ctx.calls:
        name = callee(c)
        scope = ctx.scope_of(c)
        if last(name) == "scaled_dot_product_attention":
            mask = arg(c, 3, "attn_mask")
            side = _causal(ctx, mask, scope)
            if side and side == ("future", True):
                ctx.report(INVERTED_MASK, c, "boolean `triu` mask passed to scaled_dot_product_attention: "
                           "True means *attend* there, so each position attends to the future and not "
                           "the past")  # fmt: skip
            elif mask is not None and _padding_polarity(ctx, mask, scope) == "pad":
                ctx.report(INVERTED_MASK, c, "boolean mask that is True on padding passed as `attn_mask` "
                           "to scaled_dot_product_attention: True means *attend* there, so every "
                           "query attends only to padding")  # fmt: skip
        elif ctx.modules.get(name) in MHA_CLASSES or _torch_attention_call(ctx, c):
            for k in c.keywords:
                if k.arg in MASK_ARGS and _causal(ctx, k.value, scope) == ("past", True):
                    ctx.report(INVERTED_MASK, c, f"boolean `tril` mask passed as `{k.arg}` to "
                               f"{ctx.modules[name]}: True means *do not attend*, so each position "
                               "sees only the future")  # fmt: skip
                side = _padding_polarity(ctx, k.value, scope) if k.arg in PAD_ARGS else None
                if k.arg in PAD_ARGS and (side == "keep" or side is None and named_keep(k.value)):
                    ctx.report(INVERTED_MASK, c, f"`{k.arg}` is True on real tokens: "
                               f"{ctx.modules.get(name, 'nn.MultiheadAttention')} ignores positions where the mask is True, so "
                               "it attends only to padding")  # fmt: skip


CHECKS = [check]
