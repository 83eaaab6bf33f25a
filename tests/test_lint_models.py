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
