"""False alarms found by linting the training code of public repositories (round 18, see
docs/lint-accuracy.md, "Real repositories"): each way of writing that misled a rule, as a
clean form that must stay silent and the buggy form next to it that must still be reported.
The forms are written here in our own words; the repositories are not copied."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import torchvitals.lint.engine as engine
from torchvitals.lint import lint_file, lint_source


@pytest.fixture(autouse=True)
def strict_rules(monkeypatch):
    monkeypatch.setattr(engine, "STRICT", True)


def codes(text: str) -> set[str]:
    return {f.code for f in lint_source(text)}


HEAD = "import torch\nimport torch.nn as nn\nimport torch.nn.functional as F\nfrom torch.utils.data import DataLoader\n"

# (code, buggy, clean): the clean twin differs only by the way of writing the rule misread.
PAIRS = {
    # distributed autograd keeps each context's gradients in the context, not in `.grad`
    "dist_autograd_context": ("TVL003", """
import torch.distributed.autograd as dist_autograd
def fit(net, opt, batches):
    for x, y in batches:
        loss = F.mse_loss(net(x), y)
        loss.backward()
        opt.step()
""", """
import torch.distributed.autograd as dist_autograd
def fit(net, opt, batches):
    for x, y in batches:
        with dist_autograd.context() as ctx_id:
            loss = F.mse_loss(net(x), y)
            dist_autograd.backward(ctx_id, [loss])
            opt.step(ctx_id)
"""),
    # a loss on the logits parameter, then a weight from the same name rebound to probabilities
    "param_read_before_rebinding": ("TVL008", """
class SoftBCE(nn.Module):
    def __init__(self):
        super().__init__()
        self.inner = nn.BCEWithLogitsLoss(reduction="none")
    def forward(self, scores, target):
        scores = torch.sigmoid(scores)
        raw = self.inner(scores, target)
        return (raw * (1 - (scores - target).abs())).mean()
""", """
class SoftBCE(nn.Module):
    def __init__(self):
        super().__init__()
        self.inner = nn.BCEWithLogitsLoss(reduction="none")
    def forward(self, scores, target):
        raw = self.inner(scores, target)
        scores = torch.sigmoid(scores)
        return (raw * (1 - (scores - target).abs())).mean()
"""),
    # `update_grad` marks the end of an accumulation window; a gradient norm test is a gate
    "accumulation_flag_named_grad": ("TVL011", """
def apply(loss, opt, params, grad_norm_ok):
    loss.backward()
    if grad_norm_ok:
        opt.step()
    opt.zero_grad()
""", """
def apply(loss, opt, params, update_grad):
    loss.backward()
    if update_grad:
        opt.step()
        opt.zero_grad()
"""),
    # an optional second optimizer over the trainable parameters, tested for None
    "optional_optimizer_over_requires_grad": ("TVL011", """
def make(enc, dec):
    enc_opt = torch.optim.Adam(p for p in enc.parameters() if p.requires_grad)
    return enc_opt
def step(loss, dec_opt, enc_opt, enc):
    loss.backward()
    dec_opt.step()
    if all(p.grad.norm() > 0 for p in enc.parameters()):
        enc_opt.step()
""", """
def make(enc, dec, tune):
    enc_opt = torch.optim.Adam(p for p in enc.parameters() if p.requires_grad) if tune else None
    return enc_opt
def step(loss, dec_opt, enc_opt, enc):
    loss.backward()
    dec_opt.step()
    if enc_opt is not None:
        enc_opt.step()
"""),
    # a linear probe: the backbone frozen by name, the whole model kept in eval mode on purpose
    "linear_probe_eval_mode": ("TVL004", """
model = nn.Sequential(nn.Linear(8, 8), nn.BatchNorm1d(8), nn.Dropout(0.2), nn.Linear(8, 2))
for name, p in model.named_parameters():
    if name.startswith("0."):
        p.requires_grad = False
opt = torch.optim.SGD([p for p in model.parameters() if p.requires_grad], lr=0.1)
model.eval()
for x, y in zip(torch.randn(10, 4, 8), torch.randint(0, 2, (10, 4))):
    opt.zero_grad()
    F.cross_entropy(model(x), y).backward()
    opt.step()
""", """
model = nn.Sequential(nn.Linear(8, 8), nn.BatchNorm1d(8), nn.Dropout(0.2), nn.Linear(8, 2))
for name, p in model.named_parameters():
    if name not in ("3.weight", "3.bias"):
        p.requires_grad = False
opt = torch.optim.SGD([p for p in model.parameters() if p.requires_grad], lr=0.1)
model.eval()
for x, y in zip(torch.randn(10, 4, 8), torch.randint(0, 2, (10, 4))):
    opt.zero_grad()
    F.cross_entropy(model(x), y).backward()
    opt.step()
"""),
    # a pretrained encoder frozen by a name prefix and run under no_grad as a feature extractor
    "prefix_frozen_encoder_nograd": ("TVL001", """
class Head(nn.Module):
    def __init__(self, encoder):
        super().__init__()
        self.encoder = encoder
        self.out = nn.Linear(16, 2)
    def forward(self, x):
        with torch.no_grad():
            h = self.encoder(x)
        return self.out(h)
model = Head(nn.Linear(4, 16))
opt = torch.optim.Adam(model.parameters())
for x, y in zip(torch.randn(5, 3, 4), torch.randint(0, 2, (5, 3))):
    opt.zero_grad()
    F.cross_entropy(model(x), y).backward()
    opt.step()
""", """
class Head(nn.Module):
    def __init__(self, encoder):
        super().__init__()
        self.encoder = encoder
        self.out = nn.Linear(16, 2)
    def forward(self, x):
        with torch.no_grad():
            h = self.encoder(x)
        return self.out(h)
model = Head(nn.Linear(4, 16))
for name, p in model.named_parameters():
    if name.startswith("encoder"):
        p.requires_grad = False
opt = torch.optim.Adam(model.parameters())
for x, y in zip(torch.randn(5, 3, 4), torch.randint(0, 2, (5, 3))):
    opt.zero_grad()
    F.cross_entropy(model(x), y).backward()
    opt.step()
"""),
    # `.forward()` of a plain class written by hand (NumPy backpropagation) has no hooks to skip
    "plain_class_forward": ("TVL013", """
class TinyNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.w = nn.Linear(3, 1)
    def forward(self, x):
        return self.w(x)
model = TinyNet()
opt = torch.optim.SGD(model.parameters(), lr=0.1)
for x in torch.randn(4, 2, 3):
    opt.zero_grad()
    model.forward(x).sum().backward()
    opt.step()
""", """
class TinyNet:
    def __init__(self):
        self.w = torch.randn(3, 1)
    def forward(self, x):
        return x @ self.w
model = TinyNet()
w = torch.zeros(3, requires_grad=True)
opt = torch.optim.SGD([w], lr=0.1)
for x in torch.randn(4, 2, 3):
    opt.zero_grad()
    (model.forward(x).sum() + w.sum()).backward()
    opt.step()
"""),
    # the script resumes from its own per-epoch checkpoints; the command line picks the epoch
    "resume_own_checkpoint": ("TVL014", """
import argparse
args = argparse.ArgumentParser().parse_args()
net = nn.Linear(2, 2)
net.load_state_dict(torch.load("runs/%s/net_%d.pt" % (args.name, args.epoch)))
for epoch in range(args.epoch, 10):
    torch.save(net.state_dict(), "runs/%s/model_%d.pt" % (args.name, epoch))
""", """
import argparse
args = argparse.ArgumentParser().parse_args()
net = nn.Linear(2, 2)
net.load_state_dict(torch.load("runs/%s/net_%d.pt" % (args.name, args.epoch)))
for epoch in range(args.epoch, 10):
    torch.save(net.state_dict(), "runs/%s/net_%d.pt" % (args.name, epoch))
"""),
}


@pytest.mark.parametrize("case", sorted(PAIRS))
def test_real_code_form_is_clean_and_its_bug_is_found(case):
    code, buggy, clean = PAIRS[case]
    assert code in codes(HEAD + buggy), f"{case}: the buggy form lost its {code}"
    assert code not in codes(HEAD + clean), f"{case}: the clean form is reported"


LOADERS = HEAD + """
train_set = torch.utils.data.TensorDataset(torch.randn(64, 3), torch.randint(0, 2, (64,)))
train_loader = DataLoader(train_set, batch_size=8)
"""


@pytest.mark.parametrize("use, found", [
    ("xb, yb = next(iter(train_loader))\nprint(xb.shape)", False),  # a peek at one batch
    ("feats = [m(x) for x, _ in train_loader]", False),  # features extracted, nothing trains
    ("from helpers import extract_features\nfeats = extract_features(m, train_loader)", False),
    ("from helpers import run_epoch\nrun_epoch(m, train_loader)", True),  # may train out of sight
    ("opt = torch.optim.SGD(m.parameters(), lr=0.1)\nfor x, y in train_loader:\n"
     "    opt.zero_grad()\n    F.cross_entropy(m(x), y).backward()\n    opt.step()", True),
    ("xb, yb = next(iter(train_loader))\nopt = torch.optim.SGD(m.parameters(), lr=0.1)\n"
     "def fit(train_loader):\n    for x, y in train_loader:\n        opt.zero_grad()\n"
     "        F.cross_entropy(m(x), y).backward()\n        opt.step()\n"
     "fit(DataLoader(train_set, batch_size=8, shuffle=True))", False),  # the helper's own parameter
    ("xb, yb = next(iter(train_loader))\nopt = torch.optim.SGD(m.parameters(), lr=0.1)\n"
     "for x, y in train_loader:\n    opt.zero_grad()\n    F.cross_entropy(m(x), y).backward()\n    opt.step()", True),
])  # fmt: skip
def test_unshuffled_loader_only_when_something_trains_on_it(use, found):
    text = LOADERS + "m = nn.Linear(3, 2)\n" + use + "\n"
    assert ("TVL015" in codes(text)) is found


def test_plain_tensor_weight_reported_once():
    text = HEAD + """
class Lin(nn.Module):
    def __init__(self):
        super().__init__()
        self.w = torch.empty(2, 3, requires_grad=True)
        nn.init.xavier_normal_(self.w)
    def forward(self, x):
        return x @ self.w.T
"""
    assert [f.code for f in lint_source(text)] == ["TVL005"]


def write_notebook(path: Path, cells: list[str]) -> None:
    nb = {"cells": [{"cell_type": "code", "metadata": {}, "source": c, "outputs": [], "execution_count": None}
                    for c in cells], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}  # fmt: skip
    path.write_text(json.dumps(nb))


def test_notebook_magic_as_a_block_body_and_indented_cells_parse(tmp_path):
    nb = tmp_path / "setup.ipynb"
    cells = [
        "backend = 'tb'\nif backend == 'tb':\n  %load_ext tensorboard\nelif backend == 'w':\n  !pip install wandb\n  import wandb",
        " print('a cell pasted with a leading space')\n x = 1",
    ]
    write_notebook(nb, cells)
    assert lint_file(str(nb)) == []
    write_notebook(nb, [*cells, "def f(:\n    pass"])
    assert [f.code for f in lint_file(str(nb))] == ["TVL000"]
