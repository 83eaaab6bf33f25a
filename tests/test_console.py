"""Console sink: seed 001's per-epoch line, grep-able tagged lines, findings first."""

import io
import re

import torch
import torch.nn.functional as F
from cases import FAULTS, mlp, regression_data

import torchvitals
from torchvitals.sinks.console import render_text


def test_epoch_line_has_seed_001_tokens(tmp_path):
    torch.manual_seed(0)
    model = mlp()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    mon = torchvitals.watch(model, opt, out="", console=False)
    x, y = regression_data()
    for _ in range(10):
        opt.zero_grad()
        F.mse_loss(model(x[:32]), y[:32]).backward()
        opt.step()
    line = mon.epoch_end(train={"rmse": 0.1154, "mae": 0.0804}, val={"rmse": 0.1034}, extra={"SR": 0.01})
    mon.close()
    assert line.startswith("E01 | OPTS[1:1.0e-03|cnts=[6]] | GN[")
    for token in ("TOT=", "GD[", "UR[", "lr=1.0e-03", "TR[rmse=0.115,mae=0.080]", "VAL[rmse=0.103]", "SR=0.010", "T=", "TP=", "G/U="):
        assert token in line, token
    assert re.search(r"G/U=[\w.]+:\d\.\de[+-]\d\d/\d\.\de[+-]\d\d", line)
    assert mon.history.epochs[0]["line"] == line


def test_tagged_lines_are_printed_at_the_interval(capsys):
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(8, 8), torch.nn.Linear(8, 1))
    opt = torch.optim.SGD(model.parameters(), lr=1e-2)
    mon = torchvitals.watch(model, opt, out="", every=10, log_every=10, probe=["0"])
    x, y = regression_data()
    for _ in range(20):
        opt.zero_grad()
        F.mse_loss(model(x[:32]), y[:32]).backward()
        opt.step()
    mon.close()
    err = capsys.readouterr().err
    assert err.count("[GRAD-MONITOR] it=1 ") == 1 and err.count("[GRAD-MONITOR] it=2 ") == 0
    assert err.count("[GRAD-MONITOR] it=10") == 1 and err.count("[GRAD-MONITOR] it=20") == 1
    assert "[STEP] it=20 opt=0 steps=20 backward=20 skipped=0" in err
    assert "[ENCODER-GRAD] it=10 0=" in err
    assert "no findings" in err


def test_findings_come_first_with_fix(tmp_path):
    diag = FAULTS["partial-optimizer"][0](tmp_path)
    text = render_text(diag)
    lines = text.splitlines()
    assert "problem(s)" in lines[0] and "unoptimized-parameters" in lines[1]
    assert "fix:" in text and str(diag) == text


def test_live_finding_is_printed_at_once():
    stream = io.StringIO()
    torch.manual_seed(0)
    model = mlp()
    opt = torch.optim.Adam(model[4].parameters(), lr=1e-3)
    mon = torchvitals.watch(model, opt, out="")
    mon._stream = stream
    x, y = regression_data()
    opt.zero_grad()
    F.mse_loss(model(x[:32]), y[:32]).backward()
    opt.step()
    assert "[TORCHVITALS] WARNING TV102 unoptimized-parameters at iteration 1" in stream.getvalue()
    mon.close()
