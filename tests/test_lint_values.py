"""The lint rules' shared evaluator: what an expression may hold where it is read (values.py)."""

from __future__ import annotations

import ast
import textwrap

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from torchvitals.lint.engine import build
from torchvitals.lint.rules.config_tables import makers
from torchvitals.lint.rules.value_kinds import ANY
from torchvitals.lint.rules.values import Made, Seq, Table, call_env, made, possible, truth


def _ctx(src: str):
    src = textwrap.dedent(src)
    return build("<t>", src, ast.parse(src))


def _at(ctx, text: str, nth: int = 0) -> ast.expr:
    """The nth expression (a read, not an assignment target) whose source is `text`."""
    hits = [n for n in ast.walk(ctx.tree) if isinstance(n, ast.expr) and not isinstance(getattr(n, "ctx", None), ast.Store)
            and ast.unparse(n) == text]  # fmt: skip
    hits.sort(key=lambda n: (n.lineno, n.col_offset))
    return hits[nth]


def values_of(src: str, text: str, nth: int = 0):
    ctx = _ctx(src)
    return possible(ctx, _at(ctx, text, nth))


def test_constants_names_and_operators():
    src = """
    lr = 0.1
    steps = [10, 20]
    name = "tr" + "ain"
    flag = not (lr > 1) and name == "train"
    use(lr * 2, steps, flag, name)
    """
    assert values_of(src, "lr * 2") == {0.2}
    assert values_of(src, "steps") == {Seq((10, 20))}
    assert values_of(src, "flag") == {True}


def test_a_split_name_through_a_comprehension_reaches_the_builder_per_caller():
    src = """
    def make_loader(split, bs):
        return DataLoader(ds, batch_size=bs, shuffle=(split == "training"))

    loaders = {s: make_loader(s, 32) for s, n in (("train", 1), ("val", 2))}
    for x in loaders["train"]:
        pass
    """
    ctx = _ctx(src)
    [m] = made(ctx, _at(ctx, "loaders['train']"))
    assert isinstance(m, Made) and ast.unparse(m.node).startswith("DataLoader(")
    shuffle = next(k.value for k in m.node.keywords if k.arg == "shuffle")
    assert truth(ctx, shuffle, m.env) is False
    assert possible(ctx, shuffle) == {False}  # read on its own: every caller's value


def test_the_clean_twin_shuffles_the_training_split():
    src = """
    def make_loader(split, bs):
        return DataLoader(ds, batch_size=bs, shuffle=(split == "train"))

    loaders = {s: make_loader(s, 32) for s in ("train", "val")}
    """
    ctx = _ctx(src)
    [m] = made(ctx, _at(ctx, "make_loader(s, 32)"))
    shuffle = next(k.value for k in m.node.keywords if k.arg == "shuffle")
    assert possible(ctx, shuffle) == {True, False}
    assert truth(ctx, shuffle) is None


def test_a_test_inside_a_builder_read_as_one_call_runs_it():
    src = """
    BASE = {"lr": 1e-3, "tune": "head"}

    def make_optimizer(model, cfg):
        if cfg.get("tune", "all") == "head":
            return 1
        return 2

    a = make_optimizer(net, dict(BASE, lr=3e-4))
    b = make_optimizer(net, {"lr": 0.1})
    use(a, b)
    """
    ctx = _ctx(src)
    test = _at(ctx, "cfg.get('tune', 'all') == 'head'")
    first, second = sorted((c for c in ctx.calls if ast.unparse(c.func) == "make_optimizer"), key=lambda c: c.lineno)
    assert truth(ctx, test, call_env(ctx, first)) is True
    assert truth(ctx, test, call_env(ctx, second)) is False
    assert truth(ctx, test) is None  # either, read on its own
    assert values_of(src, "a", 0) == {1, 2}  # both returns of the builder may run


def test_config_dicts_defaults_and_copies():
    src = """
    import copy
    CFG = dict(train=dict(batch_size=64), val=dict(batch_size=8, shuffle=False))

    def build(loader_cfg):
        cfg = copy.deepcopy(dict(loader_cfg))
        bs = cfg.pop("batch_size")
        return cfg.pop("shuffle", False), cfg.get("drop_last", True), bs

    a = build(CFG["train"])
    b = build(CFG["val"])
    use(a, b)
    """
    assert values_of(src, "a", 0) == {Seq((False, True, 64))}
    assert values_of(src, "cfg.pop('shuffle', False)") == {False}


def test_a_write_under_constant_keys_spoils_only_that_entry():
    src = """
    CFG = {"train": {"epochs": 10}, "data": {"batch_size": 64}}
    CFG["train"]["epochs"] = args.epochs
    use(CFG["data"]["batch_size"], CFG["train"]["epochs"], CFG)
    """
    assert values_of(src, "CFG['data']['batch_size']") == {64}
    assert values_of(src, "CFG['train']['epochs']") is None
    computed = """
    CFG = {"train": {"epochs": 10}, "data": {"batch_size": 64}}
    CFG[section]["epochs"] = 3
    use(CFG["data"]["batch_size"])
    """
    assert values_of(computed, "CFG['data']['batch_size']") is None


def test_a_dict_written_into_or_handed_out_is_unknown():
    written = """
    CFG = {"shuffle": False}
    CFG["shuffle"] = True
    use(CFG["shuffle"])
    """
    handed = """
    REG = {}

    def register(registry):
        def deco(cls):
            registry[cls.__name__] = cls
            return cls
        return deco

    @register(REG)
    class Net:
        pass

    use(REG)
    """
    assert values_of(written, "CFG['shuffle']") is None
    assert values_of(handed, "REG", 1) is None


def test_a_copied_config_overridden_at_some_keys_keeps_its_other_entries():
    """`cfg["optim"]["lr"] = args.lr` changes that entry only: a read of another key is still
    what the dict literal says; the written one (unless computable), or a key the dict did not
    hold, is unknown."""
    src = """
    import copy
    BASE = {"opt": {"lr": 0.1, "scope": "head"}, "epochs": 3}

    def main(lr, extra):
        cfg = copy.deepcopy(BASE)
        if lr:
            cfg["opt"]["lr"] = lr
        cfg["epochs"] += 1
        use(cfg["opt"]["scope"], cfg["opt"]["lr"], cfg["epochs"], cfg)
    """
    assert values_of(src, "cfg['opt']['scope']") == {"head"}
    assert values_of(src, "cfg['opt']['lr']") is None
    assert values_of(src, "cfg['epochs']") == {4}  # updated in place, straight-line: worked out
    for write in ('cfg["new"] = extra', "cfg.update(extra)", "cfg[extra] = 1"):
        assert values_of(src.replace('cfg["epochs"] += 1', write), "cfg['opt']['scope']") is None


def test_parameters_read_from_every_caller_and_its_default():
    src = """
    def fit(model, shuffle=False):
        use(shuffle)

    fit(net)
    fit(net, shuffle=True)
    """
    assert values_of(src, "shuffle") == {False, True}


def test_a_function_also_handed_out_by_reference_has_unknown_parameters():
    src = """
    def fit(model, shuffle=False):
        use(shuffle)

    fit(net)
    callbacks.append(fit)
    """
    assert values_of(src, "shuffle") is None


def test_options_and_config_objects():
    src = """
    import argparse
    from dataclasses import dataclass

    @dataclass
    class Config:
        shuffle: bool = False
        lr: float = 3e-4

    p = argparse.ArgumentParser()
    p.add_argument("--shuffle", action="store_true")
    p.add_argument("--epochs", type=int, default=10)
    args = p.parse_args()
    cfg = Config(lr=1e-3)
    use(args.shuffle, args.epochs, cfg.shuffle, cfg.lr)
    """
    assert values_of(src, "args.shuffle") == {False}
    assert values_of(src, "args.epochs") == {10}
    assert values_of(src, "cfg.shuffle") == {False}
    assert values_of(src, "cfg.lr") == {1e-3}


def test_config_classes_with_an_init_positional_fields_and_namespaces():
    src = """
    from dataclasses import dataclass, field
    from easydict import EasyDict

    class LoaderConfig:
        def __init__(self, split, bs=32):
            self.split = split
            self.shuffle = split == "training"

    @dataclass
    class Opt:
        lr: float
        shuffle: bool = field(default=False)

    a = LoaderConfig("train")
    b = Opt(0.1)
    c = EasyDict({"shuffle": True})
    use(a.shuffle, b.lr, b.shuffle, c.shuffle)
    """
    assert values_of(src, "a.shuffle") == {False}
    assert values_of(src, "b.lr") == {0.1}
    assert values_of(src, "b.shuffle") == {False}
    assert values_of(src, "c.shuffle") == {True}


def test_a_config_field_written_after_construction_is_unknown():
    src = """
    from types import SimpleNamespace
    cfg = SimpleNamespace(shuffle=False)
    if fast:
        cfg.shuffle = True
    use(cfg.shuffle)
    """
    assert values_of(src, "cfg.shuffle") is None


def test_an_option_set_elsewhere_is_unknown():
    src = """
    import argparse
    p = argparse.ArgumentParser()
    p.add_argument("--shuffle", action="store_true")
    args = p.parse_args()
    args.shuffle = True
    use(args.shuffle)
    """
    assert values_of(src, "args.shuffle", 0) is None


def test_or_defaults_branches_and_unknown_calls():
    src = """
    def build(cfg=None, mode="head"):
        cfg = cfg or Config()
        head_only = True if mode == "head" else False
        return cfg, head_only, torch.randn(3)

    out = build()
    use(out)
    """
    vals = values_of(src, "out")
    [v] = vals
    assert isinstance(v, Seq) and isinstance(v.items[0], Made) and v.items[1] is True and isinstance(v.items[2], Made)


def test_loops_back_edges_and_recursion_end():
    src = """
    x = 0
    for i in range(3):
        x = x + i

    def f(n):
        return f(n - 1) if n else 0

    use(x, f(3))
    """
    assert values_of(src, "x", 1) is None
    assert values_of(src, "f(3)") is None or values_of(src, "f(3)") == {0}


def test_tables_iterate_by_key_and_items():
    src = """
    sizes = {"train": 80, "val": 20}
    names = [k for k, v in sizes.items() if v > 50]
    pairs = list(enumerate(sizes))
    use(names, pairs)
    """
    assert values_of(src, "names", 0) == {Seq(("train",))}
    assert values_of(src, "pairs", 0) == {Seq((Seq((0, "train")), Seq((1, "val"))))}
    assert values_of(src, "sizes", 0) == {Table((("train", 80), ("val", 20)))}


def test_too_many_alternatives_is_unknown():
    callers = "\n".join(f"f({i})" for i in range(8))
    src = f"def f(a):\n    use((a, a + 1) if a else (a, a))\n{callers}\n"
    assert values_of(src, "a", 0) == set(range(8))
    big = "\n".join(f"g({i}, {j})" for i in range(3) for j in range(3))
    src2 = f"def g(a, b):\n    use(a)\n{big}\n"
    assert values_of(src2, "a", 0) is None  # nine callers: more than the evaluator follows


def test_a_module_level_table_of_imported_classes_and_what_a_key_makes():
    src = """
    import torch.nn as nn
    from torch.nn import L1Loss

    LOSSES = {"mse": nn.MSELoss, "l1": L1Loss, "own": Custom}

    class Custom(nn.Module):
        pass

    def main(cfg):
        crit = LOSSES[cfg["loss"]]()
        use(crit)

    main({"loss": "mse"})
    main({"loss": "l1"})
    """
    ctx = _ctx(src)
    [table] = possible(ctx, _at(ctx, "LOSSES"))
    assert [ast.unparse(v.node) for _, v in table.items] == ["nn.MSELoss", "L1Loss", "Custom"]
    assert makers(ctx, _at(ctx, "crit")) == {"nn.MSELoss", "L1Loss"}  # each caller's key


def test_a_module_level_name_also_assigned_is_not_taken_for_the_import():
    src = """
    import torch.nn as nn
    nn = patched(nn)
    TABLE = {"mse": nn.MSELoss}
    use(TABLE)
    """
    ctx = _ctx(src)
    assert possible(ctx, _at(ctx, "TABLE")) in (None, {Table((("mse", ANY),))})


# ---- the evaluator agrees with Python on what it can read ---------------------------------------

_leaf = st.one_of(st.integers(-5, 5), st.sampled_from(["'a'", "'b'", "'train'"]), st.sampled_from(["True", "False", "None"]))


def _expr(children):
    return st.one_of(
        st.tuples(children, st.sampled_from(["+", "-", "*", "==", "!=", "<", "and", "or", "in"]), children).map(
            lambda t: f"({t[0]} {t[1]} {t[2]})" if t[1] != "in" else f"({t[0]} in ({t[2]},))"
        ),
        children.map(lambda c: f"(not {c})"),
        st.tuples(children, children, children).map(lambda t: f"({t[0]} if {t[1]} else {t[2]})"),
        st.tuples(children, children).map(lambda t: f"{{'k': {t[0]}, 'j': {t[1]}}}['k']"),
        st.tuples(children, children).map(lambda t: f"[{t[0]}, {t[1]}][1]"),
    )


@settings(max_examples=150, deadline=None)
@given(st.recursive(_leaf.map(str), _expr, max_leaves=8))
def test_known_values_are_what_python_computes(text):
    try:
        expected = eval(text)  # noqa: S307  (generated from literals and operators only)
    except Exception:  # noqa: BLE001  (a TypeError of mixing str and int: the evaluator may say anything but crash)
        expected = None
    src = f"x = {text}\nuse(x)\n"
    got = values_of(src, "x", 0)
    if got is not None and expected is not None:
        assert got == {expected}, (text, got, expected)


@pytest.mark.parametrize(
    ("src", "expected"),
    [
        ("n = 4\nn *= 2\nuse(n)", {8}),  # an augmented assignment binds the name to the operation
        ("n = 4\nn *= 2\nn -= 1\nuse(n)", {7}),
        ("def f(lr=0.1):\n    lr *= 10\n    return lr\nuse(f())", {1.0}),  # a parameter updated, then returned
        ("class C:\n    def __init__(self):\n        self.k = 3\n        self.k += 1\n\n    def g(self):\n        use(self.k)", {3, 4}),
        ("n = 1\nfor i in range(3):\n    n *= 2\nuse(n)", None),  # a loop's update: not a known constant
        ("n = 1\nif flag:\n    n += 1\nuse(n)", None),  # a branch's update: either
        ("class C:\n    def __init__(self):\n        self.k = 3\n\n    def step(self):\n        self.k += 1\n        use(self.k)", None),
    ],
)
def test_an_in_place_update_is_a_binding_derived_from_the_previous_one(src, expected):
    ctx = _ctx(src)
    read = next(n for n in ast.walk(ctx.tree) if isinstance(n, ast.Call) and ast.unparse(n.func) == "use").args[0]
    assert possible(ctx, read) == (frozenset(expected) if expected is not None else None)


def test_an_in_place_update_never_changes_the_parsed_tree():
    src = "x = torch.zeros(3)\nx.unsqueeze_(1)\nuse(x)\nn = 2\nn /= 2\nuse(n)"
    ctx = _ctx(src)
    before = ast.dump(ctx.tree, include_attributes=True)
    [m] = made(ctx, _at(ctx, "x", 1))
    assert ast.unparse(m.node) == "x.unsqueeze(1)" and possible(ctx, _at(ctx, "n")) == {1.0}
    assert ast.dump(ctx.tree, include_attributes=True) == before


@pytest.mark.parametrize(
    ("src", "expected"),
    [
        ('hp = {"lr": 0.5, "warmup": 10}\nhp["lr"] *= 4\nuse(hp["lr"])', {2.0}),  # straight-line: worked out
        ('hp = {"lr": 0.5, "warmup": 10}\nhp["lr"] *= 4\nuse(hp["warmup"])', {10}),
        ('hp = {"opt": {"lr": 1}}\nhp["opt"]["lr"] += 1\nhp["opt"]["lr"] *= 3\nuse(hp["opt"]["lr"])', {6}),
        ('hp = {"lr": 0.5}\nfor _ in range(3):\n    hp["lr"] *= 4\nuse(hp["lr"])', None),  # in a loop: unknown
        ('hp = {"lr": 0.5}\nif fast:\n    hp["lr"] *= 4\nuse(hp["lr"])', None),  # in a branch: either
        ('hp = {"lr": 0.5}\nhp["lr"] *= 4\nhp["lr"] = pick()\nuse(hp["lr"])', None),  # also set otherwise
        ('hp = {"lr": 0.5}\nuse(hp["lr"])\nhp["lr"] *= 4', None),  # updated after the read: still spoiled
    ],
)
def test_a_dict_entry_updated_in_place_stays_known_when_computable(src, expected):
    ctx = _ctx(src)
    read = next(n for n in ast.walk(ctx.tree) if isinstance(n, ast.Call) and ast.unparse(n.func) == "use").args[0]
    assert possible(ctx, read) == (frozenset(expected) if expected is not None else None)


def test_getattr_isinstance_and_a_namespace_spread_from_a_dict():
    src = """
    from types import SimpleNamespace
    D = {"a": 1, "b": {"c": 2}}
    def to_ns(d):
        return SimpleNamespace(**{k: to_ns(v) if isinstance(v, dict) else v for k, v in d.items()})
    flat = SimpleNamespace(**D)
    deep = to_ns(D)
    print(flat.a, deep.b.c, getattr(deep, "a", 7), getattr(deep.b, "z", 7), getattr(flat, "z"))
    print(isinstance(3, dict), isinstance(D, dict), isinstance("s", (int, str)), isinstance(3, Sized))
    """
    assert values_of(src, "flat.a") == {1}
    assert values_of(src, "deep.b.c") == {2}
    assert values_of(src, "getattr(deep, 'a', 7)") == {1}
    assert values_of(src, "getattr(deep.b, 'z', 7)") == {7}  # the namespace lacks it: the default
    missing = values_of(src, "getattr(flat, 'z')")  # no default: it would raise; the call's result, as before
    assert missing is not None and all(isinstance(v, Made) for v in missing)
    assert values_of(src, "isinstance(3, dict)") == {False}
    assert values_of(src, "isinstance(D, dict)") == {True}
    assert values_of(src, "isinstance('s', (int, str))") == {True}
    assert all(isinstance(v, Made) for v in values_of(src, "isinstance(3, Sized)"))  # a class it does not know
