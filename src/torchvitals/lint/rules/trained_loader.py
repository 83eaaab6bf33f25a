"""TVL015 by use rather than by name: a `DataLoader` without shuffle, sampler or batch sampler
that a training loop iterates. The loop proves it trains (its body, helpers of this file
followed, calls `backward()` or steps an optimizer); the loader is followed from the loop's
iterable through bindings, tuple unpacking, builders' returns and the callers of the function
holding the loop (`for xb, yb in loader: self.train_on_batch(xb, yb)` inside `fit()`;
`train_loader, val_loader = make_loader("train"), make_loader("val")` then
`train_epoch(model, train_loader, ...)`). The loader's variable names need not say "train"."""

from __future__ import annotations

import ast

from torchvitals.lint.calls import effects_of
from torchvitals.lint.engine import Context, arg, callee, dotted, is_const, kwarg, last
from torchvitals.lint.rules.batches import WRAPPERS
from torchvitals.lint.rules.data import UNSHUFFLED
from torchvitals.lint.rules.loaders import (
    STREAMS,
    _is_eval_name,
    _loader_calls,
    call_sites,
    loader_paths,
    loader_view,
    option_default,
    order_given_elsewhere,
    sampler_order,
    shuffle_of,
    stored_loaders,
    streamed,
)
from torchvitals.lint.rules.pairing import split_keys
from torchvitals.lint.rules.split_views import built_split_view, folded_view, split_view
from torchvitals.lint.rules.values import Made, Table, made, possible, truthy
from torchvitals.lint.syntax import walk


def check_trained_loader(ctx: Context) -> None:
    if "DataLoader(" not in ctx.text or not ctx.backwards:
        return
    done = {f.evidence.get("line") for f in ctx.findings if f.code == UNSHUFFLED.code}
    for loop in _loops(ctx):
        # names met on the way that say evaluation (`run(model, val_loader)` of a shared loop):
        # that loader is not the training one, whatever the loop does with other callers' loaders
        if not _trains(ctx, loop):
            continue  # asked first: most loops (evaluation, data preparation) do not train
        it = iterated(loop.iter)
        found = [*_loader_calls(ctx, it, []), *_per_split_loaders(ctx, it)]
        split = _read_key(it)
        loaders = [c for c, names in found if (_unshuffled(ctx, c) or split and _unshuffled_split(ctx, c, split)) and not _is_eval_name(names)]
        loaders += [c for c, site in _built_per_split(ctx, it, split) if c not in loaders and ctx.at(site)[0] not in done]
        loaders += [c for c in _evaluated(ctx, it) if c not in loaders and not _reported_at_a_builder_call(ctx, c, done)]
        if not loaders:
            continue
        for c in loaders:
            line = ctx.at(c)[0]
            if line in done:
                continue
            done.add(line)
            ds = arg(c, 0, "dataset")
            ds_name = dotted(ds) or (callee(ds) if isinstance(ds, ast.Call) else "") or "dataset"
            ds_name = ast.unparse(ds) if isinstance(ds, ast.Subscript) else ds_name  # sets[split]
            flag = kwarg(loader_view(ctx, c) or c, "shuffle")
            how = "without shuffle=True or a sampler,"
            if option_default(ctx, flag) is not None:
                how = f"with shuffle=`{ast.unparse(flag)}`, a command-line flag off unless passed,"
            elif flag is not None and not isinstance(flag, ast.Constant):
                how = f"with shuffle=`{ast.unparse(flag)}`, false as this file builds it,"
            ctx.report(UNSHUFFLED, c, f"DataLoader over `{ds_name}` {how} "
                       f"iterated by the training loop at line {_line(ctx, loop)} (it calls backward()): "
                       "batches come in dataset order every epoch")  # fmt: skip


def _loops(ctx: Context) -> list[ast.For | ast.AsyncFor | ast.comprehension]:
    """Loops over batches: `for` statements, and comprehensions whose item is a training step
    (`losses = [self.train_step(x, y) for x, y in loader]`)."""
    out: list = []
    for n in ctx.parent:
        if isinstance(n, (ast.For, ast.AsyncFor)):
            out.append(n)
        elif isinstance(n, (ast.ListComp, ast.GeneratorExp, ast.SetComp)) and len(n.generators) == 1:
            out.append(n.generators[0])
    return out


def _line(ctx: Context, loop: ast.AST) -> int:
    return (ctx.parent[loop] if isinstance(loop, ast.comprehension) else loop).lineno  # type: ignore[attr-defined]


def iterated(it: ast.expr) -> ast.expr:
    """The loader a loop walks through its wrappers: `enumerate(loader)`, `tqdm(loader)`,
    `iter(loader)` number or decorate the batches without changing their order."""
    while isinstance(it, ast.Call) and it.args and last(callee(it)) in (*WRAPPERS, "enumerate"):
        it = it.args[0]
    return it


def _per_split_loaders(ctx: Context, it: ast.expr) -> list[tuple[ast.Call, list[str]]]:
    """`for x, y in loaders[phase]` where `loaders = {p: DataLoader(sets[p]) for p in ("train",
    "val")}` (or filled in a loop over the split names): the loader built for the training key.
    `for x, y in loaders["train"]` of such a dict, filled here or by a builder: the entries that
    key may read, when every one of them is unshuffled (one `DataLoader(...)` for all splits)."""
    if not (isinstance(it, ast.Subscript) and isinstance(it.value, ast.Name)):
        return []
    held = it.value.id
    stored = stored_loaders(ctx, it)  # loaders["train"] of a dict filled per split, here or in a builder
    if stored and all(_unshuffled(ctx, c) or _unshuffled_split(ctx, c, it.slice.value) for c in stored):  # type: ignore[attr-defined]
        return [(c, [held, it.slice.value]) for c in stored]  # type: ignore[attr-defined]
    out = []
    for c in ctx.calls:
        site = ctx.parent.get(c)
        into = isinstance(site, ast.Assign) and any(isinstance(t, ast.Subscript) and dotted(t.value) == held for t in site.targets)
        comp = isinstance(site, ast.DictComp) and site.value is c and any(v is site for v in ctx.values.get(held, []))
        if (into or comp) and loader_view(ctx, c) is not None and any("train" in k for k in split_keys(ctx, c)):
            out.append((c, [held]))
    return out


def _built_per_split(ctx: Context, it: ast.expr, split: str | None) -> list[tuple[ast.Call, ast.Call]]:
    """`loaders["train"]` of `loaders = {k: build_loader(sets[k], cfg["data"][k]) for k in
    splits}`: (the builder's DataLoader, the builder's call), when the settings the comprehension passes for that key
    give it no shuffle (`shuffle=dcfg.get("shuffle", False)` and the train settings lack it)."""
    held = it.value.id if isinstance(it, ast.Subscript) and isinstance(it.value, ast.Name) else None
    comps = ctx.values.get(held, []) if held and split else []
    if len(comps) != 1 or not isinstance(comp := comps[0], ast.DictComp) or not isinstance(comp.value, ast.Call):
        return []
    out = []
    for p in loader_paths(ctx, comp.value, [held]):
        view = built_split_view(ctx, p.call, split, comp.value) if p.sites[:1] == (comp.value,) else None
        if view is not None and _unshuffled(ctx, view):
            out.append((p.call, comp.value))
    return out


def _unshuffled(ctx: Context, c: ast.Call) -> bool:
    c = loader_view(ctx, c) or c  # a partial(DataLoader, ...) factory and **cfg filled in
    if order_given_elsewhere(c) and sampler_order(ctx, c) != "sequential":
        return False
    shuffle = shuffle_of(ctx, c)
    if shuffle is not None and not is_const(shuffle, False):
        return False
    return not _streams(ctx, c)


def _evaluated(ctx: Context, it: ast.expr) -> list[ast.Call]:
    """The one DataLoader call the iterated expression holds, as the shared evaluator reads it
    (through comprehensions, builders called with a split name, config dicts, objects and their
    defaults, the callers of the loop's function), when every way the file reaches it gives it no
    shuffle and no sampler. Several loader calls, or one built both shuffled and not (per split),
    are left to the rules that know which split trains; a loop whose iterable or callers' arguments
    say evaluation (`run(model, val_loader)` through a helper that steps only when asked to learn)
    is not taken for training."""
    said = [dotted(n) or "" for n in walk(it) if isinstance(n, (ast.Name, ast.Attribute))]
    said += [n.value for n in walk(it) if isinstance(n, ast.Constant) and isinstance(n.value, str)]
    if _is_eval_name(said) or _is_eval_name(_caller_words(ctx, ctx.scope_of(it))):
        return []
    found = made(ctx, it)
    loaders = [m for m in found or [] if isinstance(m.node, ast.Call) and last(callee(m.node)) == "DataLoader"]
    if not loaders or len(loaders) != len(found) or len({id(m.node) for m in loaders}) != 1:  # type: ignore[arg-type]
        return []
    return [loaders[0].node] if all(_unshuffled_as_made(ctx, m) for m in loaders) else []  # type: ignore[list-item]


def _reported_at_a_builder_call(ctx: Context, loader: ast.Call, done: set) -> bool:
    """TVL015 already stands at a call of the builder that makes `loader` (`train_dl =
    make_loader(cfg)` reported by the callers' reading): the same bug, said once."""
    builder = ctx.scope_of(loader)
    if not isinstance(builder, ast.FunctionDef):
        return False
    return any(ctx.at(c)[0] in done for c in ctx.calls if last(callee(c)) == builder.name)


def _caller_words(ctx: Context, fn: ast.AST) -> list[str]:
    """The names and strings every call of `fn` passes it (`fit(model, val_loader, "val")`)."""
    if not isinstance(fn, ast.FunctionDef):
        return []
    out: list[str] = []
    for p in fn.args.args:
        for _, passed in call_sites(ctx, fn, p.arg):
            out += [dotted(n) or "" for n in walk(passed) if isinstance(n, (ast.Name, ast.Attribute))]
            out += [n.value for n in walk(passed) if isinstance(n, ast.Constant) and isinstance(n.value, str)]
    return out


def _unshuffled_as_made(ctx: Context, m: Made) -> bool:
    """The DataLoader call of `m`, its arguments read as the caller that reached it made them:
    no shuffle (or one that is always false), no sampler, no batch sampler, a dataset that does not stream."""
    c: ast.Call = m.node  # type: ignore[assignment]
    if len(c.args) > 2 or any(isinstance(a, ast.Starred) for a in c.args):
        return False
    given: dict[str, frozenset] = {}
    for k in c.keywords:
        vals = possible(ctx, k.value, m.env)
        if vals is None:
            return False
        if k.arg is not None:
            given[k.arg] = vals
        elif all(isinstance(t, Table) for t in vals):  # `DataLoader(ds, **cfg)`
            for key in ("shuffle", "sampler", "batch_sampler"):
                given[key] = given.get(key, frozenset()) | {t.get(key, None) for t in vals}
        else:
            return False
    if any(v is not None for key in ("sampler", "batch_sampler") for v in given.get(key, {None})):
        return False
    if any(truthy(v) is not False for v in given.get("shuffle", {False})):
        return False
    return not _streams(ctx, c)


def _streams(ctx: Context, loader: ast.Call) -> bool:
    """The loader's dataset streams (an IterableDataset or a class of the file built on one):
    its order is its own, not the loader's."""
    ds = arg(loader, 0, "dataset")
    if isinstance(ds, ast.Call) and (last(callee(ds)).endswith(STREAMS) or _stream_class(ctx, last(callee(ds)))):
        return True
    return streamed(ctx, dotted(ds) if ds is not None else None)


def _read_key(it: ast.expr) -> str | None:
    """"train" of `for batch in loaders["train"]`."""
    if isinstance(it, ast.Subscript) and isinstance(it.slice, ast.Constant) and isinstance(it.slice.value, str):
        return it.slice.value
    return None


def _unshuffled_split(ctx: Context, c: ast.Call, split: str) -> bool:
    """`loaders["train"]` of `{s: DataLoader(sets[s], **kw) for s, kw in cfg["loaders"].items()}`
    or of `{s: DataLoader(sets[s], shuffle=(s == "val")) for s in splits}`: unshuffled when the
    settings for that split give no shuffle and no sampler, or the test gives False for it."""
    view = split_view(ctx, c, split) or folded_view(ctx, c, split)
    return view is not None and _unshuffled(ctx, view)


def _stream_class(ctx: Context, name: str) -> bool:
    """A dataset class of this file that streams (its order is its own, not the loader's)."""
    return any(c.name == name and any((dotted(b) or "").endswith(STREAMS) for b in c.bases) for c in ctx.classes)


def _trains(ctx: Context, loop: ast.For | ast.AsyncFor | ast.comprehension) -> bool:
    body = [ctx.parent[loop].elt] if isinstance(loop, ast.comprehension) else loop.body  # type: ignore[attr-defined]
    nodes = [n for stmt in body for n in walk(stmt)]
    fx = effects_of(ctx, nodes)
    return fx.backward


CHECKS = [check_trained_loader]
