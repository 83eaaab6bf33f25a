"""torchvitals lint on real code: the installed Lightning and a subset of transformers stay
within a small budget of findings per code, so a rule change that floods real code with false
alarms fails here. The budget is what benchmarks/lint_real.py recorded and a person read (see
BENCHMARKS.md, "Lint on real code"): only findings a reviewer agrees with, or finds debatable.
"""

from __future__ import annotations

import importlib.util
import os
from collections import Counter

import pytest

import torchvitals.lint.engine as engine
from torchvitals.lint import lint_paths, lint_source

# Where transformers trains (Trainer, optimizers, losses, integrations) and a spread of model
# families across text, vision and audio: the code its users copy into training scripts.
TRANSFORMERS_SUBSET = [
    "trainer.py", "trainer_pt_utils.py", "trainer_seq2seq.py", "optimization.py", "modeling_utils.py",
    "integrations", "loss", "generation",
    *(f"models/{m}" for m in (
        "bert", "roberta", "deberta_v2", "longformer", "reformer", "bigbird_pegasus", "gpt2", "llama",
        "mistral", "mixtral", "gemma", "qwen2", "t5", "bart", "vit", "swin", "detr", "mask2former",
        "oneformer", "sam", "clip", "blip", "layoutlmv3", "whisper", "wav2vec2", "speecht5", "musicgen",
        "seamless_m4t",
    )),
]  # fmt: skip

# Per package: code -> findings allowed. transformers: OneFormer's plain list of Conv2d (real)
# and an export wrapper's `self.model.forward(...)` (debatable).
BUDGET = {
    "lightning": {},
    "transformers": {"TVL005": 1, "TVL013": 1},
}


@pytest.fixture(autouse=True)
def strict_rules(monkeypatch):
    """A rule that crashes on real code fails the test instead of being skipped."""
    monkeypatch.setattr(engine, "STRICT", True)


def source_root(name: str) -> str:
    # Located, not imported: importing lightning costs seconds and lint never needs it.
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        pytest.skip(f"{name} is not installed")
    return list(spec.submodule_search_locations)[0]


def over_budget(name: str, paths: list[str]) -> list[str]:
    found = lint_paths(paths, jobs=1)
    counts = Counter(f.code for f in found)
    allowed = BUDGET[name]
    if all(n <= allowed.get(code, 0) for code, n in counts.items()):
        return []
    return [f"{f.where[0]}: {f.code} {f.message}" for f in found]


def test_lightning_source_within_budget():
    root = source_root("lightning")
    assert over_budget("lightning", [root]) == []


def test_transformers_training_code_within_budget():
    root = source_root("transformers")
    paths = [os.path.join(root, p) for p in TRANSFORMERS_SUBSET]
    paths = [p for p in paths if os.path.exists(p)]  # model folders come and go between versions
    assert len(paths) >= len(TRANSFORMERS_SUBSET) // 2, "transformers' layout changed: choose a new subset"
    assert over_budget("transformers", paths) == []


def test_trainer_step_returning_detached_loss_is_not_judged():
    """transformers' Trainer.training_step backpropagates itself and returns loss.detach()."""
    src = (
        "class Trainer:\n"
        "    def training_step(self, model, inputs):\n"
        "        inputs = self._prepare_inputs(inputs)\n"
        "        loss = self.compute_loss(model, inputs)\n"
        "        self.accelerator.backward(loss)\n"
        "        return loss.detach()\n"
    )
    assert lint_source(src) == []
    # Lightning's automatic optimization: the returned value IS the loss, so a cut still counts.
    lightning = src.replace("        self.accelerator.backward(loss)\n", "")
    assert [f.code for f in lint_source(lightning)] == ["TVL002"]


def test_one_unregistered_finding_per_attribute():
    """OneFormer appends to one plain list in two branches: one bug, one finding."""
    src = (
        "import torch.nn as nn\n"
        "class Block(nn.Module):\n"
        "    def __init__(self, n, wide):\n"
        "        super().__init__()\n"
        "        self.proj = []\n"
        "        for _ in range(n):\n"
        "            if wide:\n"
        "                self.proj.append(nn.Conv2d(8, 4, 1))\n"
        "            else:\n"
        "                self.proj.append(nn.Identity())\n"
        "        self.extra = []\n"
        "        self.extra.append(nn.Linear(4, 4))\n"
    )
    found = lint_source(src)
    assert [(f.code, f.evidence["line"]) for f in found] == [("TVL005", 8), ("TVL005", 12)]
