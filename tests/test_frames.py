"""Reading the running functions' variables (frames.py) leaves none of them alive."""

from __future__ import annotations

import sys
import weakref

import torch

from torchvitals.cli import main
from torchvitals.frames import frame_locals


def test_a_local_deleted_after_the_read_is_freed():
    def fn():
        x = torch.ones(3)
        ref = weakref.ref(x)
        names = set(frame_locals(sys._getframe()))
        del x
        return names, ref() is None

    names, freed = fn()
    assert {"x", "ref"} <= names and freed


def test_a_functions_own_locals_view_is_left_as_it_is():
    def fn():
        x = torch.ones(3)
        view = locals()
        frame_locals(sys._getframe())
        return view

    assert "x" in fn()


def test_a_class_bodys_namespace_is_read_and_left_as_it_is():
    class Body:
        a = 1
        names = set(frame_locals(sys._getframe()))

    assert Body.a == 1 and "a" in Body.names


def test_an_optimizer_built_in_a_method_keeps_none_of_its_locals_alive(tmp_path):
    """`torchvitals run` looks for the optimizer a new one is built by (ZeroRedundancyOptimizer)
    in the `self` of the frames above it. A trainer method's temporary tensor, deleted right
    after it builds the optimizer, is freed (it was kept until the method returned)."""
    script = tmp_path / "trainer.py"
    freed = tmp_path / "freed.txt"
    script.write_text(
        "import weakref\n"
        "import torch\n"
        "class Trainer:\n"
        "    def setup(self):\n"
        "        self.model = torch.nn.Linear(4, 1)\n"
        "        scratch = torch.ones(1000)\n"
        "        self.opt = torch.optim.SGD(self.model.parameters(), lr=0.1)\n"
        "        ref = weakref.ref(scratch)\n"
        "        del scratch\n"
        f"        open({str(freed)!r}, 'w').write(str(ref() is None))\n"
        "    def fit(self):\n"
        "        x = torch.randn(8, 4)\n"
        "        for _ in range(4):\n"
        "            self.opt.zero_grad()\n"
        "            self.model(x).pow(2).mean().backward()\n"
        "            self.opt.step()\n"
        "t = Trainer()\n"
        "t.setup()\n"
        "t.fit()\n"
    )
    assert main(["run", "--out", str(tmp_path), "--name", "r", str(script)]) == 0
    assert freed.read_text() == "True"
