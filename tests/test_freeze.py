"""freeze-not-applied: `module.requires_grad = False` freezes nothing; the real freeze and a
module outside the optimizer are its controls."""

from __future__ import annotations

import json
import sys

import pytest
import torch
import torch.nn.functional as F
from torch import nn

import torchvitals
from torchvitals.cli import main
from torchvitals.offline import diagnose

NAME = "freeze-not-applied"


class Net(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        torch.manual_seed(0)
        self.backbone = nn.Sequential(nn.Linear(8, 16), nn.ReLU())
        self.head = nn.Linear(16, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.backbone(x))


def _train(model: Net, tmp_path, params=None):
    opt = torch.optim.SGD(params if params is not None else [p for p in model.parameters() if p.requires_grad], lr=0.01)
    x = torch.randn(64, 8, generator=torch.Generator().manual_seed(0))
    with torchvitals.watch(model, opt, out=str(tmp_path), name="run", console=False) as mon:
        for _ in range(5):
            opt.zero_grad()
            F.mse_loss(model(x), x[:, :1]).backward()
            opt.step()
    return mon.diagnosis


def test_attribute_freeze_is_found(tmp_path):
    model = Net()
    model.backbone.requires_grad = False
    diag = _train(model, tmp_path)
    (f,) = [f for f in diag.findings if f.name == NAME]
    assert f.severity == "warning" and f.where == ["backbone"] and f.step == 1
    assert f.evidence["parameters"] == ["backbone.0.weight", "backbone.0.bias"]
    assert NAME in diagnose(tmp_path / "run").names("warning")


def test_real_freeze_is_silent(tmp_path):
    model = Net()
    model.backbone.requires_grad_(False)
    assert NAME not in _train(model, tmp_path).names()


def test_attribute_freeze_outside_the_optimizer_is_left_to_unoptimized(tmp_path):
    model = Net()
    model.backbone.requires_grad = False
    diag = _train(model, tmp_path, params=model.head.parameters())
    assert NAME not in diag.names()
    assert "unoptimized-parameters" in diag.names("warning")


# main() with an encoder that feeds the loss and is in no optimizer; a test adds main()'s loop.
ENCODER_DECODER = (
    "import weakref\n"
    "import torch\n"
    "import torch.nn.functional as F\n"
    "def main():\n"
    "    torch.manual_seed(0)\n"
    "    encoder = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.AdaptiveAvgPool2d(1), torch.nn.Flatten())\n"
    "    decoder = torch.nn.Linear(4, 2)\n"
    "    opt = torch.optim.SGD(decoder.parameters(), lr=0.1)\n"
    "    x, y = torch.randn(16, 3, 8, 8), torch.randint(0, 2, (16,))\n"
)


def _encoder_named_by_its_variable(tmp_path, loop: str) -> None:
    """ENCODER_DECODER and `loop` run under `torchvitals run`: the encoder's parameters are
    told as in no optimizer, named by main()'s variable."""
    script = tmp_path / "enc.py"
    script.write_text(ENCODER_DECODER + loop + "main()\n")
    assert main(["run", "--out", str(tmp_path), "--name", "r", str(script)]) == 0
    report = json.loads((tmp_path / "r" / "findings.json").read_text())
    (f,) = [f for f in report["findings"] if f["name"] == "unoptimized-parameters"]
    assert "encoder.0.weight" in f["message"], f["message"]


def test_parameters_in_no_optimizer_are_named_by_the_functions_variable(tmp_path):
    """A frozen encoder unfrozen with no optimizer made for it, in a main() function (the
    captioning tutorial's fine_tune_encoder path without its optimizer): its parameters were named
    by their module's class ("Conv2d.weight"); now by the variable that holds them."""
    _encoder_named_by_its_variable(
        tmp_path,
        "    for _ in range(6):\n"
        "        opt.zero_grad()\n"
        "        F.cross_entropy(decoder(encoder(x)), y).backward()\n"
        "        opt.step()\n",
    )


def test_a_network_an_input_is_optimized_through_is_told_at_info(tmp_path):
    """Style transfer (the PyTorch tutorial): L-BFGS optimizes the input image through a network
    left with requires_grad=True. Its parameters get gradients that are never applied, which was a
    warning as if the optimizer had forgotten them; with no module parameter in any optimizer it
    is info (freezing the network saves the computation). Control: an optimizer over part of a
    model still warns."""
    torch.manual_seed(0)
    net = nn.Sequential(nn.Conv2d(3, 4, 3), nn.ReLU(), nn.Conv2d(4, 4, 3)).eval()
    target = torch.randn(1, 4, 4, 4)
    image = torch.rand(1, 3, 8, 8).requires_grad_()
    opt = torch.optim.Adam([image], lr=0.05)
    mon = torchvitals.watch(net, opt, out=str(tmp_path), console=False)
    for _ in range(12):
        opt.zero_grad()
        F.mse_loss(net(image), target).backward()
        opt.step()
    found = {f.name: f for f in mon.close().findings}
    assert found["unoptimized-parameters"].severity == "info", found
    assert "requires_grad_(False)" in found["unoptimized-parameters"].message

    half = nn.Sequential(nn.Linear(4, 4), nn.ReLU(), nn.Linear(4, 1))
    opt2 = torch.optim.SGD(half[2].parameters(), lr=0.1)
    mon2 = torchvitals.watch(half, opt2, out=str(tmp_path / "control"), console=False)
    for _ in range(12):
        opt2.zero_grad()
        x = torch.randn(16, 4)
        F.mse_loss(half(x), x[:, :1]).backward()
        opt2.step()
    found2 = {f.name: f for f in mon2.close().findings}
    assert found2["unoptimized-parameters"].severity == "warning", found2


@pytest.mark.parametrize("own_view", [False, True])
def test_naming_parameters_in_no_optimizer_keeps_no_local_alive(tmp_path, own_view):
    """Naming them reads the running functions' locals at the first backward. Before Python 3.13
    that read leaves a copy of the locals on the frame: the first batch's outputs, deleted by
    the function right after, stayed alive until it returned. Now they are freed at `del`.
    Control: a function that keeps its own `locals()` (which is that copy before 3.13) still
    finds its variables in it."""
    freed = tmp_path / "freed.txt"
    _encoder_named_by_its_variable(
        tmp_path,
        f"    hparams = locals() if {own_view} else {{'decoder': decoder}}\n"
        "    for i in range(6):\n"
        "        opt.zero_grad()\n"
        "        out = decoder(encoder(x))\n"
        "        F.cross_entropy(out, y).backward()\n"
        "        opt.step()\n"
        "        if i == 0:\n"
        "            ref = weakref.ref(out)\n"
        "            del out\n"
        f"            open({str(freed)!r}, 'w').write(str(ref() is None))\n"
        "    assert hparams['decoder'] is decoder\n",
    )
    if not own_view or sys.version_info >= (3, 13):
        assert freed.read_text() == "True"


BARE_TENSORS = """
import torch
import torch.nn.functional as F
torch.manual_seed(0)
net = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.ReLU(), torch.nn.Conv2d(4, 4, 3))
image = torch.rand(1, 3, 8, 8).requires_grad_()
target = torch.randn(1, 4, 4, 4)
opt = torch.optim.Adam([image], lr=0.05)
for _ in range(8):
    opt.zero_grad()
    F.mse_loss(net(image), target).backward()
    opt.step()
"""


def test_a_tensor_no_module_holds_is_named_after_the_scripts_variable(tmp_path):
    """A tensor an optimizer holds outside every module (SAC's log_alpha, neural style's image)
    was named opt0.group0.param0 and shown as the bucket `opt0`; it is named after the script's
    variable. It is still known as a bare tensor: the network the image is optimized through,
    left trainable, is an info, not a forgotten optimizer."""
    script = tmp_path / "style.py"
    script.write_text(BARE_TENSORS)
    assert main(["run", "--out", str(tmp_path), "--name", "r", str(script)]) == 0
    lines = [json.loads(x) for x in (tmp_path / "r" / "run.jsonl").read_text().splitlines()]
    params = [p for r in lines if "params" in r for p in r["params"]]
    assert any(p["name"] == "image" and p["bucket"] == "image" and p.get("bare") for p in params), params
    report = json.loads((tmp_path / "r" / "findings.json").read_text())
    (f,) = [f for f in report["findings"] if f["name"] == "unoptimized-parameters"]
    assert f["severity"] == "info", f
