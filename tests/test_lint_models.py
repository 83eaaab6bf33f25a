"""How models and optimizers are put together (TVL005, TVL006): the ways of writing that hide an
unregistered block or a part no optimizer takes, each with its clean twin. Linted through
`lint_source`, so the file-level triggers must let each form be read."""

from __future__ import annotations

import pytest

from torchvitals.lint.files import lint_source


def codes(src: str) -> set[str]:
    return {f.code for f in lint_source(src)}


# ---- TVL005: a builder that moves each block as it makes it still returns modules ---------------

STACK = """\
import torch.nn as nn


class Cell(nn.Module):
    def __init__(self, width):
        super().__init__()
        self.lin = nn.Linear(width, width)

    def forward(self, x):
        return x + self.lin(x).relu()


{helper}


class Tower(nn.Module):
    def __init__(self, width, depth, device="cpu"):
        super().__init__()
        {store}

    def forward(self, x):
        for cell in self.cells:
            x = cell(x)
        return x


net = Tower(16, 3)
opt = torch.optim.SGD(net.parameters(), lr=0.1)
for _ in range(10):
    loss = net(torch.randn(4, 16)).pow(2).mean()
    opt.zero_grad()
    loss.backward()
    opt.step()
"""


@pytest.mark.parametrize(
    ("helper", "store", "fires"),
    [
        ("def cells_for(width, depth, device):\n    return [Cell(width).to(device) for _ in range(depth)]",
         "self.cells = cells_for(width, depth, device)", True),
        ("def cells_for(width, depth, device):\n    return [Cell(width).to(device) for _ in range(depth)]",
         "self.cells = nn.ModuleList(cells_for(width, depth, device))", False),
        ("", "self.cells = [nn.Linear(width, width).cuda() for _ in range(depth)]", True),
        ("", "self.cells = []\n        for _ in range(depth):\n            self.cells.append(Cell(width).to(device))", True),
        ("", "self.cells = nn.ModuleList()\n        for _ in range(depth):\n            self.cells.append(Cell(width).to(device))", False),
        ("def cells_for(width, depth, device):\n    return [torch.zeros(width).to(device) for _ in range(depth)]",
         "self.cells = cells_for(width, depth, device)", False),  # tensors, not modules
    ],
)
def test_blocks_moved_to_a_device_as_they_are_built_are_still_modules(helper, store, fires):
    src = "import torch\n" + STACK.format(helper=helper, store=store)
    assert ("TVL005" in codes(src)) is fires


# ---- TVL005: a tensor meant to learn, returned by an initialiser helper -------------------------

TOKENS = """\
import torch
import torch.nn as nn


def normal_init(shape, scale=0.02):
    t = torch.empty(shape)
    nn.init.normal_(t, std=scale)
    return t


{helper}


class Prefix(nn.Module):
    def __init__(self, n, width):
        super().__init__()
        self.proj = nn.Linear(width, width)
        self.prefix = {store}

    def forward(self, x):
        return self.proj(torch.cat([self.prefix.expand(x.size(0), -1, -1), x], 1))
"""


@pytest.mark.parametrize(
    ("helper", "store", "fires"),
    [
        ("def learned(n, width):\n    return normal_init((1, n, width)).requires_grad_()", "learned(n, width)", True),
        ("def learned(n, width):\n    return normal_init((1, n, width)).requires_grad_()", "nn.Parameter(learned(n, width))", False),
        ("def learned(n, width):\n    return torch.randn(1, n, width, requires_grad=True)", "learned(n, width)", True),
        ("def learned(n, width):\n    return nn.Parameter(torch.randn(1, n, width))", "learned(n, width)", False),
        ("def learned(n, width):\n    return normal_init((1, n, width))", "learned(n, width)", False),  # a constant, not learned
        ("def learned(n, width):\n    return normal_init((1, n, width)).requires_grad_(False)", "learned(n, width)", False),
    ],
)
def test_a_helper_returning_a_tensor_that_requires_grad_is_not_a_parameter(helper, store, fires):
    src = TOKENS.format(helper=helper, store=store)
    assert ("TVL005" in codes(src)) is fires


# ---- TVL006: the optimizer's class picked by a setting, its parameters by another ---------------

SETTINGS_RUN = """\
import torch
import torch.nn as nn

SETTINGS = {{"opt": "sgd", "scope": "head", "freeze_body": {freeze}, "steps": 50}}


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(8, 32), nn.ReLU())
        self.head = nn.Linear(32, 2)

    def forward(self, x):
        return self.head(self.body(x))


def make_net(s):
    net = Net()
    if s["freeze_body"]:
        net.body.requires_grad_(False)
    return net


def make_opt(net, s):
    chosen = net.head.parameters() if s["scope"] == "head" else net.parameters()
    if s["opt"] == "sgd":
        return torch.optim.SGD(chosen, lr=0.05, momentum=0.9)
    return torch.optim.AdamW(chosen, lr=1e-3)


def fit(s):
    net = make_net(s)
    opt = make_opt(net, s)
    for step in range(s["steps"]):
        x, fit_target = torch.randn(16, 8), torch.randint(0, 2, (16,))
        loss = nn.functional.cross_entropy(net(x), fit_target)
        opt.zero_grad()
        loss.backward()
        opt.step()


fit(SETTINGS)
"""


@pytest.mark.parametrize(("freeze", "fires"), [("False", True), ("True", False)])
def test_a_head_only_optimizer_under_a_settled_choice_of_class_with_the_freeze_on_another_flag(freeze, fires):
    assert ("TVL006" in codes(SETTINGS_RUN.format(freeze=freeze))) is fires


def test_a_head_only_optimizer_under_an_unsettled_choice_stays_quiet():
    """Two runs pick different optimizer classes: the `if` is a real choice, and may be the
    other side of the freeze; nothing is claimed."""
    src = SETTINGS_RUN.format(freeze="False").replace('fit(SETTINGS)\n', 'fit(SETTINGS)\nfit({**SETTINGS, "opt": input()})\n')
    assert "TVL006" not in codes(src)


def test_a_local_variable_named_like_a_function_does_not_hide_its_callers():
    """`train = TensorDataset(...)` in one function does not stop `train(CONFIG)` from being a
    call of the file's `def train(cfg)`, nor `cfg.train.epochs` a reference to it."""
    import ast

    from torchvitals.lint.engine import build
    from torchvitals.lint.rules.values import possible

    src = (
        "CONFIG = {'lr': 0.1}\n"
        "def loaders(cfg):\n    train = list(range(4))\n    return train\n"
        "def train(cfg):\n    return cfg['lr'], cfg.train\n"
        "train(CONFIG)\n"
    )
    ctx = build("<t>", src, ast.parse(src))
    read = next(n for n in ast.walk(ctx.tree) if isinstance(n, ast.Subscript) and ast.unparse(n) == "cfg['lr']")
    assert possible(ctx, read) == frozenset({0.1})


# ---- TVL006: sub-modules of several models listed one by one, a shared one left out -------------

TOWERS = """\
import itertools

import torch
import torch.nn as nn

trunk = nn.Sequential(nn.Conv1d(1, 16, 5, padding=2), nn.ReLU())


class Tower(nn.Module):
    def __init__(self, features, classes):
        super().__init__()
        self.features = features
        self.mix = nn.Conv1d(16, 16, 3, padding=1)
        self.fc = nn.Linear(16, classes)

    def forward(self, x):
        return self.fc(self.mix(self.features(x)).mean(-1))


left, right = Tower(trunk, 3), Tower(trunk, 5)
opt = torch.optim.Adam({params}, lr=1e-3)
for _ in range(20):
    x = torch.randn(8, 1, 64)
    loss = left(x).logsumexp(1).mean() + right(x).logsumexp(1).mean()
    opt.zero_grad()
    loss.backward()
    opt.step()
"""


@pytest.mark.parametrize(
    ("params", "fires"),
    [
        ("itertools.chain(left.mix.parameters(), left.fc.parameters(), right.mix.parameters(), right.fc.parameters())", True),
        ("[*left.mix.parameters(), *left.fc.parameters(), *right.mix.parameters(), *right.fc.parameters()]", True),
        # the shared trunk listed through one of the towers: both towers' trunk is that module
        ("itertools.chain(left.features.parameters(), left.mix.parameters(), left.fc.parameters(), "
         "right.mix.parameters(), right.fc.parameters())", False),
        ("itertools.chain(left.parameters(), right.mix.parameters(), right.fc.parameters())", False),  # one tower whole
        ("itertools.chain(trunk.parameters(), left.mix.parameters(), left.fc.parameters(), right.mix.parameters(), "
         "right.fc.parameters())", False),  # the trunk given by its own name
    ],
)
def test_a_module_shared_by_two_models_and_listed_through_neither_never_trains(params, fires):
    assert ("TVL006" in codes(TOWERS.format(params=params))) is fires


def test_a_shared_module_frozen_by_the_file_is_left_out_on_purpose():
    params = "itertools.chain(left.mix.parameters(), left.fc.parameters(), right.mix.parameters(), right.fc.parameters())"
    src = TOWERS.format(params=params).replace("left, right =", "trunk.requires_grad_(False)\nleft, right =")
    assert "TVL006" not in codes(src)


# ---- TVL005: clones of a block, and an initialiser that hands back the tensor it fills ----------

CLONES = """\
import copy

import torch
import torch.nn as nn


class Stack(nn.Module):
    def __init__(self, block, n):
        super().__init__()
        self.blocks = {store}

    def forward(self, x):
        for b in self.blocks:
            x = b(x)
        return x


net = Stack({block}, 4)
opt = torch.optim.Adam(net.parameters())
loss = net(torch.randn(2, 8)).sum()
loss.backward()
opt.step()
"""


@pytest.mark.parametrize(
    ("store", "block", "fires"),
    [
        ("[copy.deepcopy(block) for _ in range(n)]", "nn.Linear(8, 8)", True),
        ("nn.ModuleList(copy.deepcopy(block) for _ in range(n))", "nn.Linear(8, 8)", False),
        ("[copy.deepcopy(block) for _ in range(n)]", "torch.relu", False),  # copies of a function, not modules
    ],
)
def test_deep_copies_of_a_module_in_a_plain_list_are_unregistered(store, block, fires):
    assert ("TVL005" in codes(CLONES.format(store=store, block=block))) is fires


@pytest.mark.parametrize(
    ("made", "fires"),
    [
        ("nn.init.normal_(torch.empty(1, n, width), std=0.02).requires_grad_()", True),
        ("nn.Parameter(nn.init.normal_(torch.empty(1, n, width), std=0.02))", False),
    ],
)
def test_a_tensor_filled_by_an_initialiser_and_made_to_require_grad_is_not_a_parameter(made, fires):
    src = TOKENS.format(helper=f"def learned(n, width):\n    return {made}", store="learned(n, width)")
    assert ("TVL005" in codes(src)) is fires


# ---- TVL006: one model's parts listed one by one, a module handed to it left out ----------------

WRAPPED = """\
import torch
import torch.nn as nn

stem = nn.Sequential(nn.Linear(10, 32), nn.GELU())


class Regressor(nn.Module):
    def __init__(self, stem):
        super().__init__()
        self.stem = stem
        self.body = nn.Linear(32, 32)
        self.out = nn.Linear(32, 1)

    def forward(self, x):
        return self.out(self.body(self.stem(x)).relu())


model = Regressor(stem)
params = {params}
opt = torch.optim.SGD(params, lr=0.01)
for _ in range(30):
    x = torch.randn(16, 10)
    loss = (model(x).squeeze(1) - x.sum(1)).pow(2).mean()
    opt.zero_grad()
    loss.backward()
    opt.step()
"""


@pytest.mark.parametrize(
    ("params", "fires"),
    [
        ("list(model.body.parameters()) + list(model.out.parameters())", True),
        ("list(model.stem.parameters()) + list(model.body.parameters()) + list(model.out.parameters())", False),
    ],
)
def test_a_module_handed_to_the_model_and_left_out_of_its_listed_parts_never_trains(params, fires):
    assert ("TVL006" in codes(WRAPPED.format(params=params))) is fires


# ---- TVL005: blocks a caller writes out in a plain list, kept as given --------------------------

GIVEN = """\
import torch
import torch.nn as nn


class Chain(nn.Module):
    def __init__(self, stages):
        super().__init__()
        {store}

    def forward(self, x):
        for stage in self.stages:
            x = stage(x)
        return x


chain = Chain({stages})
opt = torch.optim.SGD(chain.parameters(), lr=0.1)
loss = chain(torch.randn(3, 6)).sum()
loss.backward()
opt.step()
"""


@pytest.mark.parametrize(
    ("store", "stages", "fires"),
    [
        ("self.stages = stages", "[nn.Linear(6, 6), nn.Tanh(), nn.Linear(6, 2)]", True),
        ("self.stages = list(stages)", "(nn.Linear(6, 6), nn.Linear(6, 2))", True),
        ("self.stages = nn.ModuleList(stages)", "[nn.Linear(6, 6), nn.Linear(6, 2)]", False),
        ("self.stages = stages\n        self.body = nn.Sequential(*stages)", "[nn.Linear(6, 6), nn.Linear(6, 2)]", False),
        ("self.stages = stages", "[torch.relu, torch.tanh]", False),  # functions, not modules
    ],
)
def test_modules_a_caller_writes_in_a_plain_list_and_the_model_keeps_plain_are_unregistered(store, stages, fires):
    assert ("TVL005" in codes(GIVEN.format(store=store, stages=stages))) is fires


def test_modules_given_by_name_and_also_kept_elsewhere_are_not_claimed():
    """`Chain([enc, dec])` with `enc` and `dec` bound to names: they may be registered elsewhere."""
    src = GIVEN.format(store="self.stages = stages", stages="[enc, dec]").replace(
        "chain = Chain(", "enc, dec = nn.Linear(6, 6), nn.Linear(6, 2)\nchain = Chain(")
    assert "TVL005" not in codes(src)


@pytest.mark.parametrize(
    ("empty", "fill", "fires"),
    [
        ("list()", "self.stages.append(make_stage(6))", True),  # a builder's module appended
        ("dict()", "self.stages['a'] = make_stage(6)", True),
        ("nn.ModuleList()", "self.stages.append(make_stage(6))", False),
        ("list()", "self.stages.append(6)", False),
    ],
)
def test_a_plain_container_made_by_a_call_and_filled_with_a_builders_modules(empty, fill, fires):
    src = (
        "import torch.nn as nn\n\n\ndef make_stage(d):\n    return nn.Linear(d, d)\n\n\n"
        "class Chain(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
        f"        self.stages = {empty}\n        {fill}\n\n"
        "    def forward(self, x):\n        return x\n\n\n"
        "net = Chain()\nloss = net(1)\nloss.backward()\n"
    )
    assert ("TVL005" in codes(src)) is fires


# ---- TVL006: command-line options pick the parameters inline, the freeze is another option -------

OPTIONS_RUN = """\
import argparse
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.backbone = nn.Sequential(nn.Linear(8, 32), nn.ReLU())
        self.head = nn.Linear(32, 2)

    def forward(self, x):
        return self.head(self.backbone(x))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--scope", default="{scope}", choices=["head", "all"])
    p.add_argument("--freeze-backbone", action="store_true")
    args = p.parse_args()
    model = Net()
    if args.freeze_backbone:
        for q in model.backbone.parameters():
            q.requires_grad = False
    if args.scope == "head":
        params = model.head.parameters()
    else:
        params = model.parameters()
    opt = torch.optim.SGD(params, lr=0.1)
    for _ in range(10):
        x, y = torch.randn(4, 8), torch.randint(0, 2, (4,))
        loss = nn.functional.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()


main()
"""


@pytest.mark.parametrize(("scope", "fires"), [("head", True), ("all", False)])
def test_options_that_pick_head_parameters_while_the_freeze_is_a_separate_flag(scope, fires):
    assert ("TVL006" in codes(OPTIONS_RUN.format(scope=scope))) is fires


@pytest.mark.parametrize(
    ("groups", "fires"),
    [
        ('[{"params": left.mix.parameters()}, {"params": left.fc.parameters(), "lr": 1e-2}, '
         '{"params": right.mix.parameters()}, {"params": right.fc.parameters()}]', True),
        ('[{"params": left.features.parameters(), "lr": 1e-4}, {"params": left.mix.parameters()}, '
         '{"params": left.fc.parameters()}, {"params": right.mix.parameters()}, {"params": right.fc.parameters()}]', False),
    ],
)
def test_parameter_groups_over_parts_of_two_models_that_leave_out_their_shared_module(groups, fires):
    assert ("TVL006" in codes(TOWERS.format(params=groups))) is fires


@pytest.mark.parametrize(("freeze", "fires"), [("False", True), ("True", False)])
def test_settings_copied_with_an_override_decide_the_freeze_and_the_parameters(freeze, fires):
    """`dict(SETTINGS, freeze_body=...)`: the shared evaluator reads the copy with its override."""
    src = SETTINGS_RUN.format(freeze="None").replace("fit(SETTINGS)", f"fit(dict(SETTINGS, freeze_body={freeze}))")
    assert ("TVL006" in codes(src)) is fires


# ---- TVL005: a tensor attribute made to learn after it is bound, or scaled before ---------------

SCALED = """\
import torch
import torch.nn as nn


class Gate(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.proj = nn.Linear(d, d)
        {body}

    def forward(self, x):
        return self.proj(x) * self.gain


gate = Gate(4)
opt = torch.optim.Adam({opt_params})
loss = gate(torch.randn(2, 4)).sum()
loss.backward()
opt.step()
"""


@pytest.mark.parametrize(
    ("body", "opt_params", "fires"),
    [
        ("self.gain = torch.ones(d)\n        self.gain.requires_grad_()", "gate.parameters()", True),
        ("self.gain = torch.ones(d)\n        self.gain.requires_grad = True", "gate.parameters()", True),
        ("self.gain = nn.Parameter(torch.ones(d))\n        self.gain.requires_grad_()", "gate.parameters()", False),
        ("self.gain = torch.ones(d)", "gate.parameters()", False),  # a constant: never meant to learn
        ("self.gain = (torch.randn(d) * 0.02).requires_grad_()", "gate.parameters()", True),
        ("self.gain = nn.Parameter(torch.randn(d) * 0.02)", "gate.parameters()", False),
        # handed to the optimizer by name: it learns without being a parameter
        ("self.gain = torch.ones(d)\n        self.gain.requires_grad_()", "[*gate.parameters(), gate.gain]", False),
    ],
)
def test_a_plain_tensor_attribute_made_to_learn_is_not_a_parameter(body, opt_params, fires):
    assert ("TVL005" in codes(SCALED.format(body=body, opt_params=opt_params))) is fires


# ---- TVL006: reading `p.requires_grad` freezes nothing ------------------------------------------

PAIR = """\
import torch
import torch.nn as nn


class Encoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Linear(64, 8))

    def forward(self, x):
        return self.net(x)


class Decoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(8, 64), nn.ReLU(), nn.Linear(64, 20))

    def forward(self, z):
        return self.net(z)


encoder, decoder = Encoder(), Decoder()
{setup}
opt = torch.optim.Adam([p for p in {given} if p.requires_grad], lr=1e-3)
for step in range(100):
    x = torch.randn(32, 20)
    loss = (decoder(encoder(x)) - x).pow(2).mean()
    opt.zero_grad()
    loss.backward()
    opt.step()
"""


@pytest.mark.parametrize(
    ("setup", "given", "fires"),
    [
        ("", "decoder.parameters()", True),  # the filter reads the flag; nothing writes it
        ("", "list(encoder.parameters()) + list(decoder.parameters())", False),
        ("encoder.requires_grad_(False)", "decoder.parameters()", False),  # frozen on purpose
    ],
)
def test_a_trainable_filter_does_not_hide_a_module_no_optimizer_takes(setup, given, fires):
    assert ("TVL006" in codes(PAIR.format(setup=setup, given=given))) is fires
