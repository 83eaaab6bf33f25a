"""torch.compile stays whole: watching a model before or after compiling it adds no graph break
and no graph, and names parameters as the uncompiled model does (issue 13)."""

import json
import os

import pytest
import torch
from torch import nn

import torchvitals

dynamo = pytest.importorskip("torch._dynamo")
from torch._dynamo.utils import counters  # noqa: E402


class Net(nn.Module):
    """A class of the user's own: torch.compile runs its own hooks as frames of their own."""

    def __init__(self) -> None:
        super().__init__()
        self.enc = nn.Sequential(nn.Linear(4, 8), nn.ReLU())
        self.head = nn.Linear(8, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.enc(x))


def _model(kind: str) -> nn.Module:
    torch.manual_seed(0)
    if kind == "sequential":  # a torch.nn container: its hooks are traced with the forward
        return nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 1))
    return Net()


PROBES = {"sequential": ["0", "2"], "net": ["enc", "head"]}


def _train(kind: str, mode: str, backend: str, tmp_path, steps: int = 4, **kw):
    """(graph breaks, unique graphs, monitor) for one way of combining watch and compile."""
    dynamo.reset()
    counters.clear()
    m = _model(kind)
    opt = torch.optim.SGD(m.parameters(), lr=0.01)
    opts = {"out": str(tmp_path / mode), "console": False, "every": 1, "probe": PROBES[kind], **kw}
    mon = None
    if mode == "watch-then-compile":
        mon = torchvitals.watch(m, opt, **opts)
        model = torch.compile(m, backend=backend)
    elif mode == "compile-then-watch":
        model = torch.compile(m, backend=backend)
        mon = torchvitals.watch(model, opt, **opts)
    elif mode == "eager":
        model = m
        mon = torchvitals.watch(m, opt, **opts)
    else:
        model = torch.compile(m, backend=backend)
    x, y = torch.randn(16, 4), torch.randn(16, 1)
    for _ in range(steps):
        opt.zero_grad()
        ((model(x) - y) ** 2).mean().backward()
        opt.step()
    breaks = sum(counters["graph_break"].values())
    graphs = counters["stats"]["unique_graphs"]
    if mon is not None:
        mon.close()
    dynamo.reset()
    return breaks, graphs, mon


def _steps(mon) -> list[dict]:
    with open(os.path.join(mon.run_dir, "run.jsonl")) as f:
        return [r for r in map(json.loads, f) if r["type"] == "step"]


@pytest.mark.parametrize("backend", ["eager", "aot_eager"])
@pytest.mark.parametrize("kind", ["sequential", "net"])
@pytest.mark.parametrize("mode", ["watch-then-compile", "compile-then-watch"])
def test_watching_adds_no_graph_break_and_no_graph(mode, kind, backend, tmp_path):
    plain_breaks, plain_graphs, _ = _train(kind, "plain", backend, tmp_path)
    breaks, graphs, mon = _train(kind, mode, backend, tmp_path)
    assert (breaks, graphs) == (plain_breaks, plain_graphs) == (0, 1)
    # …and the watched run is still measured: every step, with its batch counted.
    steps = _steps(mon)
    assert len(steps) == 4 and steps[-1]["samples"] == 4 * 16


@pytest.mark.parametrize("mode", ["watch-then-compile", "compile-then-watch"])
def test_compiled_model_has_the_names_of_the_model(mode, tmp_path):
    _, _, eager = _train("net", "eager", "eager", tmp_path)
    _, _, compiled = _train("net", mode, "eager", tmp_path)
    names = [p["name"] for p in compiled.history.params]
    assert names == [p["name"] for p in eager.history.params] == ["enc.0.weight", "enc.0.bias", "head.weight", "head.bias"]
    with open(os.path.join(compiled.run_dir, "run.jsonl")) as f:
        assert "_orig_mod" not in f.read()


@pytest.mark.parametrize("mode", ["watch-then-compile", "compile-then-watch"])
def test_compiled_run_measures_what_the_eager_run_measures(mode, tmp_path):
    """On the eager backend the compiled graph computes exactly what eager mode does: the
    gradient norms and the activation probes' norms must be the same numbers."""
    _, _, eager = _train("net", "eager", "eager", tmp_path)
    _, _, compiled = _train("net", mode, "eager", tmp_path)
    for a, b in zip(_steps(eager), _steps(compiled), strict=True):
        assert a["g"] == b["g"]
        assert a.get("act") == b.get("act")
        assert a.get("act")  # the probes did measure


def test_finding_on_compiled_model_names_the_parameter(tmp_path):
    """A seeded fault (a layer whose output never reaches the loss) is named as in eager mode."""

    class Unused(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.used = nn.Linear(4, 1)
            self.unused = nn.Linear(4, 1)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.used(x)

    dynamo.reset()
    torch.manual_seed(0)
    m = Unused()
    opt = torch.optim.SGD(m.parameters(), lr=0.01)
    model = torch.compile(m, backend="eager")
    mon = torchvitals.watch(model, opt, out=str(tmp_path), console=False, every=1)
    x, y = torch.randn(16, 4), torch.randn(16, 1)
    for _ in range(30):
        opt.zero_grad()
        ((model(x) - y) ** 2).mean().backward()
        opt.step()
    diagnosis = mon.close()
    dynamo.reset()
    found = {f.name: f for f in diagnosis.findings}
    assert "unoptimized-parameters" in found or "dead-parameters" in found
    where = [w for f in diagnosis.findings for w in f.where]
    assert any(w.startswith("unused") for w in where) and not any("_orig_mod" in w for w in where)
    with open(os.path.join(mon.run_dir, "findings.json")) as f:
        text = f.read()
    assert "unused" in text and "_orig_mod" not in text


def test_the_watching_line_names_the_compiled_models_class():
    from torchvitals.names import describe

    assert describe([("model", torch.compile(Net()))]) == "model (Net, compiled, 49 parameters)"
    assert describe([("model", Net())]) == "model (Net, 49 parameters)"


class Keywords(nn.Module):
    """Called as a Hugging Face model is: model(input_ids=…, attention_mask=…)."""

    def __init__(self) -> None:
        super().__init__()
        self.embed = nn.Embedding(10, 8)
        self.head = nn.Linear(8, 1)

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        return self.head((self.embed(input_ids) * attention_mask.unsqueeze(-1)).mean(1))


@pytest.mark.parametrize("mode", ["watch-then-compile", "compile-then-watch"])
def test_a_model_called_with_keywords_stays_whole_and_its_batch_is_counted(mode, tmp_path):
    dynamo.reset()
    counters.clear()
    torch.manual_seed(0)
    m = Keywords()
    opt = torch.optim.SGD(m.parameters(), lr=0.01)
    opts = {"out": str(tmp_path), "console": False, "every": 1}
    if mode == "watch-then-compile":
        mon = torchvitals.watch(m, opt, **opts)
        model = torch.compile(m, backend="eager")
    else:
        model = torch.compile(m, backend="eager")
        mon = torchvitals.watch(model, opt, **opts)
    ids, mask, y = torch.randint(0, 10, (6, 5)), torch.ones(6, 5), torch.randn(6, 1)
    for _ in range(3):
        opt.zero_grad()
        ((model(input_ids=ids, attention_mask=mask) - y) ** 2).mean().backward()
        opt.step()
    breaks, graphs = sum(counters["graph_break"].values()), counters["stats"]["unique_graphs"]
    mon.close()
    dynamo.reset()
    assert breaks == 0 and graphs == 1, (breaks, graphs)
    assert _steps(mon)[-1]["samples"] == 3 * 6
