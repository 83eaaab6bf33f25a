"""With every=1 on the CPU, step records past the first ones are completed ten at a time
(monitor/records.py, HOLD): the records written, the findings and their iterations must be the
ones written one at a time (reads="sync" never holds), only later, and never more than HOLD - 1
records late."""


import pytest
import torch
from cases import clipped_step, written
from torch import nn

import torchvitals
from torchvitals.monitor.records import _LIVE_RULES_DENSE, HOLD

EPOCHS, PER_EPOCH = 3, 32  # 96 iterations: records held from the 51st, an epoch ending at 64
UNFREEZE_AT = 67  # the head joins the optimizer here (progressive unfreezing: a new layout)


class Net(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.body = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 16), nn.ReLU())
        self.head = nn.Linear(16, 3)
        self.unused = nn.Linear(4, 4)  # dead-parameters: a finding to compare

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.body(x))


def _train(tmp_path, reads: str, between=None) -> tuple[list[dict], list[tuple]]:
    torch.manual_seed(0)
    model = Net()
    opt = torch.optim.AdamW([*model.body.parameters(), *model.unused.parameters()], lr=1e-2)
    g = torch.Generator().manual_seed(1)
    xs, ys = torch.randn(PER_EPOCH, 32, 8, generator=g), torch.randint(0, 3, (PER_EPOCH, 32), generator=g)
    mon = torchvitals.watch(model, opt, every=1, out=str(tmp_path), name=reads, console=False, reads=reads)
    it = 0
    for _ in range(EPOCHS):
        for i in range(PER_EPOCH):
            it += 1
            if it == UNFREEZE_AT:
                opt.add_param_group({"params": list(model.head.parameters()), "lr": 1e-3})
            clipped_step(model, opt, xs[i], ys[i])
            if between is not None:
                between(mon, it)
        mon.epoch_end(val={"loss": 1.0})
    diag = mon.close()
    return written(tmp_path / reads / "run.jsonl", diag, ("step", "epoch", "layout"))


def test_held_records_equal_the_ones_written_at_once(tmp_path):
    now, now_findings = _train(tmp_path, "sync")
    held, held_findings = _train(tmp_path, "auto")
    steps = [r for r in now if r["type"] == "step"]
    assert len(steps) == EPOCHS * PER_EPOCH, "every iteration has its record"
    assert any(r["type"] == "layout" for r in now), "the new parameter group was not recorded"
    assert held == now
    assert held_findings == now_findings and any(name == "dead-parameters" for name, *_ in now_findings)


@pytest.mark.parametrize("reads", ["auto", "sync"])
def test_records_are_never_more_than_hold_minus_one_late(tmp_path, reads):
    lag: dict[int, int] = {}

    def look(mon, it):  # after opt.step() of iteration `it`
        lag[it] = it - mon.history.n_steps

    _train(tmp_path, reads, between=look)
    assert all(lag[it] == 0 for it in range(1, _LIVE_RULES_DENSE + 1)), "the first records are written at once"
    assert max(lag.values()) <= HOLD - 1
    if reads == "sync":
        assert set(lag.values()) == {0}
    else:  # held past the first records; an epoch's end and a new layout write them all
        assert max(lag.values()) == HOLD - 1
        assert lag[2 * PER_EPOCH] == 4 and lag[2 * PER_EPOCH + 1] == 1  # 61-64 written at the epoch's end
        assert lag[UNFREEZE_AT] == 1  # 65-66 written before the new layout, 67 held
