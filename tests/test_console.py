"""Console sink: seed 001's per-epoch line, grep-able tagged lines, findings first."""

import io
import re

import torch
import torch.nn.functional as F
from cases import FAULTS, mlp, regression_data

import torchvitals
from torchvitals.diagnosis_text import render_text
from torchvitals.names import short_names
from torchvitals.sinks.console import epoch_line


def _watched_steps(make, steps, call=lambda model, x: model(x), offer=False):
    """(monitor, model, optimizer): a watched Adam regression of `steps` steps on the model
    `make()` builds, its predictions from `call(model, batch)` (the model's own call by
    default); with `offer`, each batch is handed over first (monitor.offer_batch). The caller
    holds model and optimizer (the monitor holds them weakly)."""
    torch.manual_seed(0)
    model = make()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    mon = torchvitals.watch(model, opt, out="", console=False)
    x, y = regression_data()
    for _ in range(steps):
        if offer:
            mon.offer_batch(x[:32])
        opt.zero_grad()
        F.mse_loss(call(model, x[:32]), y[:32]).backward()
        opt.step()
    return mon, model, opt


def test_epoch_line_has_seed_001_tokens(tmp_path):
    mon, _model, _opt = _watched_steps(mlp, 10)
    line = mon.epoch_end(train={"rmse": 0.1154, "mae": 0.0804}, val={"rmse": 0.1034}, extra={"SR": 0.01})
    mon.close()
    assert line.startswith("E01 | OPTS[1:1.0e-03|cnts=[6]] | GN[")
    for token in ("TOT=", "GD[", "UR[", "lr=1.0e-03", "TR[rmse=0.115,mae=0.080]", "VAL[rmse=0.103]", "SR=0.010", "T=", "TP=", "G/U="):
        assert token in line, token
    assert re.search(r"G/U=[\w.]+:\d\.\de[+-]\d\d/\d\.\de[+-]\d\d", line)
    assert "line" not in mon.history.epochs[0]  # the record keeps numbers; the line is made from them
    assert epoch_line(mon.history, mon.history.epochs[0]) == line


def test_short_names_count_no_container_index_as_a_component():
    # A GAN's G/U showed `4.weight` beside `discriminator.model.2.weight`: the index of a
    # Sequential said nothing about which model the tensor is in.
    names = ["discriminator.model.4.weight", "discriminator.model.2.weight", "generator.model.2.weight",
             "encoder.layers.0.attn.in_proj_weight"]
    assert short_names(names) == ["model.4.weight", "discriminator.model.2.weight", "generator.model.2.weight",
                                  "attn.in_proj_weight"]
    assert short_names(["0.weight", "0.bias", "2.weight"]) == ["0.weight", "0.bias", "2.weight"]  # a bare Sequential


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
    mon.console.stream = stream
    x, y = regression_data()
    opt.zero_grad()
    F.mse_loss(model(x[:32]), y[:32]).backward()
    opt.step()
    assert "[TORCHVITALS] WARNING TV102 unoptimized-parameters at iteration 1" in stream.getvalue()
    mon.close()


# ----------------------------------------------------------------------------- the legend


def _keys(line: str) -> list[str]:
    """The field names of a console line: `GD[…]` → GD, `lr=…` → lr, metrics inside TR[…]."""
    keys = []
    for tok in re.split(r" \| | (?=[\wΔ/]+[=\[])", line):
        tok = tok.strip()
        m = re.match(r"([^\s=\[\]:]+)[=\[]", tok)
        if m:
            keys.append(m.group(1))
            if m.group(1) in ("TR", "VAL"):
                keys += re.findall(r"([a-z_0-9]+)=", tok[len(m.group(1)) + 1 :])
        elif re.fullmatch(r"E\d+", tok):
            keys.append("E03")
    return keys


def test_every_field_a_run_prints_is_in_the_legend_and_the_readme(tmp_path):
    from pathlib import Path

    from torchvitals.sinks import legend

    torch.manual_seed(0)
    model = mlp()
    opt = torch.optim.SGD(model.parameters(), lr=1e-2)
    stream = io.StringIO()
    mon = torchvitals.watch(model, opt, out="", every=1, log_every=1, probe=["0"])
    mon.console.stream = stream
    x, y = regression_data()
    for _epoch in range(2):
        for i in range(4):
            opt.zero_grad()
            pred = model(x[i * 32 : i * 32 + 32])
            loss = F.mse_loss(pred, y[i * 32 : i * 32 + 32])
            loss.backward()
            opt.step()
            mon.observe(pred, y[i * 32 : i * 32 + 32], loss)
        with torch.no_grad():
            mon.observe(model(x[128:]), y[128:], F.mse_loss(model(x[128:]), y[128:]))
        mon.epoch_end(extra={"KEY": 1.0})
    mon.close()
    text = stream.getvalue()
    fields = " ".join(f for _, f, _ in legend.LEGEND)
    lines = [ln for ln in text.splitlines() if ln.startswith(("E0", "[GRAD-MONITOR]", "[STEP]", "[ENCODER-GRAD]"))]
    assert {ln.split(" ")[0] for ln in lines} >= {"E01", "[GRAD-MONITOR]", "[STEP]", "[ENCODER-GRAD]"}
    for ln in lines:
        for key in _keys(ln.split("] ", 1)[1] if ln.startswith("[") else ln):
            if key in ("KEY", "0"):  # epoch_end(extra=…) and a probed module's name
                continue
            assert key in fields, (key, ln)
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    assert legend.markdown() in readme, "README's console legend is stale: paste torchvitals.sinks.legend.markdown()"


def test_epoch_line_shows_the_effective_batch_under_torchrun():
    from torchvitals.record import History
    from torchvitals.sinks.console import epoch_line

    h = History()
    rec = {"type": "epoch", "epoch": 1, "train": {}, "val": {}, "extra": {}, "seconds": 2.0, "samples": 64,
           "metrics": {}, "it": 4, "opt": 0, "lr": [], "batch": {"per_rank": 16, "world": 2, "accum": 2.0}}
    line = epoch_line(h, rec)
    assert "BATCH=16x2x2=64" in line and "TP=32.0/s/rank" in line  # no other rank's numbers came: rank 0's own
    rec["from_ranks"] = [0, 1]
    assert "TP=32.0/s |" in epoch_line(h, rec)  # the job's samples, every rank's
    rec["batch"]["world"] = 4
    assert "TP=32.0/s/2 ranks" in epoch_line(h, rec)
    rec["batch"]["world"], rec["from_ranks"] = 2, [0]
    assert "TP=32.0/s/rank" in epoch_line(h, rec)
    rec["batch"]["accum"] = 1.92308  # accumulation 2 over 13 steps, the last window partial
    assert "BATCH=16x2x2=64" in epoch_line(h, rec)
    del rec["batch"]
    line = epoch_line(h, rec)
    assert "BATCH" not in line and line.endswith("TP=32.0/s")  # one process: the line is as it was


def test_a_keyword_input_is_counted_and_no_input_gives_no_throughput():
    """A model called with keyword arguments (a Hugging Face model's input_ids=…) has its batch
    counted from the argument that names its input; a model given no tensor that torchvitals
    takes for its input (here a list of tensors) has no samples counted, and the epoch line
    leaves TP out rather than say 0 samples a second."""

    class Keywords(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.net = mlp()

        def forward(self, inputs=None):
            return self.net(inputs[0] if isinstance(inputs, list) else inputs)

    mon, _model, _opt = _watched_steps(Keywords, 3, call=lambda model, x: model(inputs=x))
    line = mon.epoch_end()
    mon.close()
    assert mon.history.epochs[0]["samples"] == 3 * 32
    assert re.search(r"\| T=\d+\.\ds,TP=", line), line

    class Listed(Keywords):
        def forward(self, batch):
            return self.net(batch[0])

    mon, _model, _opt = _watched_steps(Listed, 3, call=lambda model, x: model([x]))
    line = mon.epoch_end()
    mon.close()
    assert mon.history.epochs[0]["samples"] == 0
    assert re.search(r"\| T=\d+\.\ds", line) and "TP=" not in line, line


def test_an_offered_batch_counts_once_and_only_when_no_forward_took_one():
    """monitor.offer_batch(x): a loop that calls the model's parts has its batch counted from
    it; a loop that calls the model too is not counted twice."""
    counts = []
    for call in (lambda model, x: model(x), lambda model, x: model[2:](model[:2](x))):
        mon, _model, _opt = _watched_steps(mlp, 3, call=call, offer=True)
        mon.epoch_end()
        mon.close()
        counts.append(mon.history.epochs[0]["samples"])
    assert counts == [3 * 32, 3 * 32], counts


def test_the_effective_batch_is_the_epochs_full_batch_not_its_last():
    """A loader whose last batch is partial (8 after 32s): BATCH's per-rank batch is 32, and it
    starts again each epoch (before, the last batch's 8 was shown as the per-rank batch)."""
    mon, _model, _opt = _watched_steps(mlp, 0)
    for rows in (32, 32, 8):
        mon._take_input(None, torch.zeros(rows, 3))
    assert mon._effective_batch(mon._opts[0])["per_rank"] == 32
    assert mon._effective_batch(mon._opts[0])["per_rank"] == 32  # asking again changes nothing
    mon.epoch_end()
    mon._take_input(None, torch.zeros(8, 3))
    assert mon._effective_batch(mon._opts[0])["per_rank"] == 8  # a new epoch
    mon.close()
