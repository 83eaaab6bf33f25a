"""Names cannot drive the terminal: a module or parameter named with escape sequences is shown
escaped on every console path, and kept exact in JSON (issue 13)."""

import json
import os
import sys

import torch
from torch import nn

import torchvitals
from torchvitals import guards
from torchvitals.cli import main
from torchvitals.sinks import console

HOSTILE = "\x1b[2J\x1b]0;pwned\x07"
SHOWN = "\\x1b[2J\\x1b]0;pwned\\x07"


class Hostile(nn.Module):
    """A model with a sub-module and a parameter whose names clear the screen and retitle the
    terminal; neither reaches the loss (a seeded fault a finding names)."""

    def __init__(self) -> None:
        super().__init__()
        self.used = nn.Linear(4, 1)
        self.add_module(HOSTILE, nn.Linear(4, 1))
        self.register_parameter("p" + HOSTILE, nn.Parameter(torch.ones(3)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.used(x)


def _strings(obj: object) -> list[str]:
    if isinstance(obj, str):
        return [obj]
    if isinstance(obj, dict):
        obj = list(obj.values())
    return [s for o in obj for s in _strings(o)] if isinstance(obj, list) else []


def _assert_safe(text: str) -> None:
    assert "\x1b" not in text and "\x07" not in text
    assert SHOWN in text


def test_hostile_names_are_escaped_live_final_and_offline_and_exact_in_json(tmp_path, capsys):
    torch.manual_seed(0)
    model = Hostile()
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    mon = torchvitals.watch(model, opt, out=str(tmp_path), console=True, every=1)
    x, y = torch.randn(16, 4), torch.randn(16, 1)
    for _ in range(30):
        opt.zero_grad()
        ((model(x) - y) ** 2).mean().backward()
        opt.step()
    diag = mon.close()
    live_and_final = capsys.readouterr()
    where = [w for f in diag.findings for w in f.where]
    assert any(HOSTILE in w for w in where)  # the finding names the hostile module, exactly
    _assert_safe(live_and_final.out + live_and_final.err)
    assert "[TORCHVITALS]" in live_and_final.err  # the live line was there, escaped
    _assert_safe(str(diag))

    with open(os.path.join(mon.run_dir, "findings.json")) as f:
        saved = json.load(f)
    assert any(HOSTILE in s for s in _strings(saved))  # exact text, escaped only as JSON does

    assert main(["diagnose", os.path.join(mon.run_dir, "run.jsonl")]) == 1
    offline = capsys.readouterr()
    _assert_safe(offline.out + offline.err)

    assert main(["diagnose", "--json", os.path.join(mon.run_dir, "run.jsonl")]) == 1
    as_json = capsys.readouterr().out
    assert "\x1b" not in as_json and any(HOSTILE in s for s in _strings(json.loads(as_json)))


def test_a_newline_in_a_name_cannot_forge_a_line(capsys):
    console.say(sys.stderr, "[STEP] it=1 name=a\n[TORCHVITALS] ERROR forged\r")
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "\r" not in err and "\\x0a[TORCHVITALS]" in err


def test_guard_lines_escape_names(capsys):
    guards._say(f"[DEGENERACY-GUARD] reset applied (std=0) to {HOSTILE}: 2 parameter(s)")
    _assert_safe(capsys.readouterr().err)
