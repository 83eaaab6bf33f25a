"""What reaches a loss, a loader or a per-row report in ways of writing round 20 met: a model
moved to a device in the expression that builds it, a target shaped (B,) against a (B, 1) head
read through a dataset's items or a returned tuple, a loader flag with a default the config
never overrides. Each case is a buggy form and its clean twin that differ only by the fix."""

from __future__ import annotations

import pytest

from torchvitals.lint import lint_source


def _codes(src: str) -> set[str]:
    return {f.code for f in lint_source(src, "<t>")}


MOVED_PROB_MODEL = """\
import torch
from torch import nn

dev = "cuda" if torch.cuda.is_available() else "cpu"


def build(width):
    return {built}


net = {net}
objective = nn.{loss}()
opt = torch.optim.SGD(net.parameters(), lr=0.05)
for xb, yb in [(torch.randn(16, 20), torch.randint(0, 5, (16,)))]:
    scores = net(xb.to(dev))
    err = objective(scores, yb.to(dev))
    opt.zero_grad()
    err.backward()
    opt.step()
"""
SOFT = "nn.Sequential(nn.Linear(20, width), nn.Tanh(), nn.Linear(width, 5), nn.Softmax(-1))"
RAW = "nn.Sequential(nn.Linear(20, width), nn.Tanh(), nn.Linear(width, 5))"


@pytest.mark.parametrize(
    ("built", "net", "loss", "fires"),
    [
        (SOFT, "build(32).to(dev)", "CrossEntropyLoss", True),
        (RAW, "build(32).to(dev)", "CrossEntropyLoss", False),
        (SOFT + ".to(dev)", "build(32)", "CrossEntropyLoss", True),
        (RAW + ".to(dev)", "build(32)", "CrossEntropyLoss", False),
        ("None", SOFT.replace("width", "32") + ".float().to(dev)", "NLLLoss", True),
        ("None", SOFT.replace("width", "32").replace("Softmax(-1)", "LogSoftmax(-1)") + ".float().to(dev)", "NLLLoss", False),
    ],
)
def test_probability_model_moved_where_it_is_built(built, net, loss, fires):
    """`nn.Sequential(..., nn.Softmax(-1)).to(device)`: a move does not change what it outputs."""
    assert ("TVL008" in _codes(MOVED_PROB_MODEL.format(built=built, net=net, loss=loss))) is fires


LOOKUP_TARGET = """\
import argparse

import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset

p = argparse.ArgumentParser()
p.add_argument("--zones", type=int, default={zones})
p.add_argument("--rows", type=int, default=5000)
opts = p.parse_args()


class Trips(Dataset):
    def __init__(self, n_zones, rows):
        self.zone = torch.randint(0, n_zones, (rows,))
        base = torch.rand(n_zones) * 30.0
        self.minutes = base[self.zone] + torch.randn(rows)

    def __len__(self):
        return self.zone.shape[0]

    def __getitem__(self, k):
        return self.zone[k], self.minutes[k]


emb = nn.Sequential(nn.Embedding(opts.zones, 8), nn.Linear(8, 1))
opt = torch.optim.Adam(emb.parameters())
for zone, minutes in DataLoader(Trips(opts.zones, opts.rows), batch_size=64, shuffle=True):
    guess = emb(zone){fix}
    err = nn.functional.l1_loss(guess, minutes)
    opt.zero_grad()
    err.backward()
    opt.step()
"""


@pytest.mark.parametrize(
    ("zones", "fix", "fires"),
    [
        (40, "", True),
        (40, ".squeeze(-1)", False),
        (40, ".view(-1)", False),
        ("(4, 10)", "", False),  # a shape, not a count: the lookup's rank is not proved
    ],
)
def test_target_gathered_by_index_from_a_sized_table(zones, fix, fires):
    """A per-item target cut from `table[ids] + noise`, the table sized by an int command-line
    option: one number per item, so a (B,) batch against the (B, 1) head."""
    assert ("TVL009" in _codes(LOOKUP_TARGET.format(zones=zones, fix=fix))) is fires


OVERLAID_CONFIG = """\
import argparse
import json

import torch
from torch.utils.data import DataLoader, TensorDataset

CONFIG = {{"train": {{"batch_size": 64{train_extra}}}, "eval": {{"batch_size": 256}}, "lr": 0.01}}


def build_loader(opts, rows):
    data = TensorDataset(torch.randn(rows, 4), torch.randn(rows, 1))
    return DataLoader(data, batch_size=opts["batch_size"], shuffle=opts.get("shuffle", False))


parser = argparse.ArgumentParser()
parser.add_argument("--overrides", default={default})
cli = parser.parse_args()
for section, values in json.loads(cli.overrides).items():
    CONFIG[section].update(values)

head = torch.nn.Linear(4, 1)
sgd = torch.optim.SGD(head.parameters(), lr=CONFIG["lr"])
for xb, yb in build_loader(CONFIG["train"], 2048):
    sgd.zero_grad()
    torch.nn.functional.mse_loss(head(xb), yb).backward()
    sgd.step()
"""


@pytest.mark.parametrize(
    ("train_extra", "default", "fires"),
    [
        ("", "'{}'", True),  # a run without --overrides trains in dataset order
        (', "shuffle": True', "'{}'", False),
        ("", """'{"train": {"shuffle": true}}'""", False),  # the default overlay turns it on: unknown
        ("", 'os.environ.get("OVR", "{}")', False),  # an overlay the file does not show
    ],
)
def test_a_config_overlaid_from_a_command_line_json_option(train_extra, default, fires):
    """A loader flag read with a default from a config that a JSON option overlays: a run with
    the option's default overlay (empty) gets the config as written."""
    src = OVERLAID_CONFIG.format(train_extra=train_extra, default=default)
    assert ("TVL015" in _codes(src)) is fires


ROW_REPORT = """\
import pandas as pd
import torch
from torch.utils.data import DataLoader, TensorDataset


class RowReport:
    def __init__(self, net, batches, frame):
        self.net, self.batches, self.frame = net, batches, frame

    @torch.no_grad()
    def _scores(self):
        out = []
        for xb, _ in self.batches:
            out.append(self.net(xb)[:, 0])
        return torch.cat(out).numpy()

    def write(self, path):
        table = self.frame[["sensor", "reading"]].reset_index(drop=True)
        table["score"] = self._scores()
        table.to_csv(path)


held_out = pd.DataFrame({{"sensor": range(300), "reading": [0.5] * 300}})
feats = torch.tensor(held_out[["reading"]].values, dtype=torch.float32)
holdout_dl = DataLoader(TensorDataset(feats, feats), batch_size=50, shuffle={shuffle})
net = torch.nn.Linear(1, 1)
RowReport(net, holdout_dl, held_out).write("scores.csv")
"""


@pytest.mark.parametrize(("shuffle", "fires"), [("True", True), ("False", False)])
def test_a_method_s_predictions_written_into_a_copy_of_the_held_out_frame(shuffle, fires):
    """A report method writes another method's predictions, collected over a loader kept on
    self, as a column of a local copy of the frame kept beside it (some columns, every row)."""
    assert ("TVL017" in _codes(ROW_REPORT.format(shuffle=shuffle))) is fires


ACTOR_CRITIC = """\
import numpy as np
import torch
from torch import nn


class ActorCritic(nn.Module):
    def __init__(self):
        super().__init__()
        self.pi = nn.Linear(3, 2)
        self.v = nn.Sequential(nn.Linear(3, 32), nn.ReLU(), nn.Linear(32, 1))

    def value(self, s):
        return self.v(s){fix}

    def evaluate(self, s, a):
        logp = torch.log_softmax(self.pi(s), -1).gather(1, a[:, None])[:, 0]
        return logp, self.value(s)


def collect(net, steps):
    states, acts, gains = [], [], []
    for t in range(steps):
        s = torch.randn(3)
        states.append(s)
        acts.append(int(torch.randint(0, 2, ())))
        gains.append(float(s.sum()))
        if gains[-1] > 4.0:
            print("large step gain", t)
    return {{"s": torch.stack(states), "a": torch.tensor(acts), "g": torch.tensor(gains)}}


def update(net, opt, roll):
    order = np.random.permutation(len(roll["g"]))
    for lo in range(0, len(order), 32):
        pick = order[lo:lo + 32]
        logp, est = net.evaluate(roll["s"][pick], roll["a"][pick])
        critic = nn.functional.mse_loss(est, roll["g"][pick])
        loss = critic - logp.mean()
        opt.zero_grad()
        loss.backward()
        opt.step()


net = ActorCritic()
opt = torch.optim.Adam(net.parameters())
for _ in range(3):
    update(net, opt, collect(net, 256))
"""


@pytest.mark.parametrize(("fix", "fires"), [("", True), (".squeeze(-1)", False), ("[:, 0]", False)])
def test_a_critic_s_column_through_methods_against_returns_from_a_rollout_dict(fix, fires):
    """The value head's (B, 1) reaches the loss through `self.value(s)` inside the tuple another
    method returns; the (B,) returns come from a list of numbers (read back by position while
    it grows) in the dict a rollout function returns, picked by a permutation."""
    assert ("TVL009" in _codes(ACTOR_CRITIC.format(fix=fix))) is fires
