"""Where `torchvitals run` ends epochs when a script reads more than one training DataLoader
(epoch_clock.py): side by side with next() (FixMatch), one inside the other's loop, zip(); and
the controls that must keep one epoch per pass of the training loader."""

from __future__ import annotations

import json
import textwrap

import pytest

from torchvitals.run import run_script

HEAD = """
import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

torch.manual_seed(0)
def data(n):
    x = torch.randn(n, 4)
    return TensorDataset(x, (x[:, 0] > 0).long())
labeled = DataLoader(data(32), batch_size=16, shuffle=True)     # 2 batches a pass
unlabeled = DataLoader(data(160), batch_size=16, shuffle=True)  # 10 batches a pass
test = DataLoader(data(48), batch_size=16)
model = torch.nn.Linear(4, 2)
opt = torch.optim.SGD(model.parameters(), lr=0.1)

def train_step(xl, yl, xu):
    opt.zero_grad()
    loss = F.cross_entropy(model(xl), yl) + 0.1 * model(xu).pow(2).mean()
    loss.backward()
    opt.step()

def evaluate():
    model.eval()
    with torch.no_grad():
        for x, y in test:
            F.cross_entropy(model(x), y)
    model.train()
"""


def epochs(tmp_path, body: str) -> list[dict]:
    script = tmp_path / "train.py"
    script.write_text(HEAD + textwrap.dedent(body))
    code, _ = run_script(str(script), [], {"out": str(tmp_path / "runs"), "name": "r", "console": False})
    assert code == 0
    lines = (tmp_path / "runs" / "r" / "run.jsonl").read_text().splitlines()
    return [r for r in map(json.loads, lines) if r.get("type") == "epoch"]


SIDE_BY_SIDE = """
labeled_iter, unlabeled_iter = iter(labeled), iter(unlabeled)
for epoch in range(3):
    for step in range(8):
        try:
            xl, yl = next(labeled_iter)
        except StopIteration:
            labeled_iter = iter(labeled)
            xl, yl = next(labeled_iter)
        try:
            xu, _ = next(unlabeled_iter)
        except StopIteration:
            unlabeled_iter = iter(unlabeled)
            xu, _ = next(unlabeled_iter)
        train_step(xl, yl, xu)
    {evaluate}
"""


def test_loaders_read_side_by_side_end_their_epochs_at_the_evaluations(tmp_path):
    """FixMatch's loop: a fixed number of steps an epoch, both loaders restarted by next() as
    they run out, then an evaluation. The labeled loader's passes (2 steps) were epochs."""
    got = epochs(tmp_path, SIDE_BY_SIDE.format(evaluate="evaluate()"))
    assert [e["it"] for e in got] == [8, 16, 24]
    assert all("loss" in e["metrics"]["val"] for e in got)


def test_loaders_side_by_side_without_an_evaluation_make_one_epoch(tmp_path):
    """Nothing in the loaders says where such a script's epochs end: one epoch, not one per
    labeled pass."""
    got = epochs(tmp_path, SIDE_BY_SIDE.format(evaluate="pass"))
    assert [e["it"] for e in got] == [24]


def test_a_short_loader_read_inside_the_long_ones_loop(tmp_path):
    """The outer loop reads the unlabeled loader, the labeled one is restarted inside it: the
    outer loader's passes are the epochs."""
    got = epochs(
        tmp_path,
        """
        labeled_iter = iter(labeled)
        for epoch in range(3):
            for xu, _ in unlabeled:
                try:
                    xl, yl = next(labeled_iter)
                except StopIteration:
                    labeled_iter = iter(labeled)
                    xl, yl = next(labeled_iter)
                train_step(xl, yl, xu)
            evaluate()
        """,
    )
    assert [e["it"] for e in got] == [10, 20, 30]


def test_a_long_loader_read_inside_the_short_ones_loop(tmp_path):
    """The outer loop reads the labeled loader (2 batches), the unlabeled one is read inside it
    and restarted when it runs out: the labeled passes are the epochs, as before."""
    got = epochs(
        tmp_path,
        """
        unlabeled_iter = iter(unlabeled)
        for epoch in range(6):
            for xl, yl in labeled:
                try:
                    xu, _ = next(unlabeled_iter)
                except StopIteration:
                    unlabeled_iter = iter(unlabeled)
                    xu, _ = next(unlabeled_iter)
                train_step(xl, yl, xu)
            evaluate()
        """,
    )
    assert [e["it"] for e in got] == [2, 4, 6, 8, 10, 12]


@pytest.mark.parametrize("evaluate", ["evaluate()", "pass"])
def test_zip_of_two_loaders_ends_an_epoch_with_the_shorter(tmp_path, evaluate):
    """zip() stops at the shorter loader and drops both iterators: its passes are the epochs,
    with or without an evaluation."""
    got = epochs(
        tmp_path,
        f"""
        for epoch in range(3):
            for (xl, yl), (xu, _) in zip(labeled, unlabeled):
                train_step(xl, yl, xu)
            {evaluate}
        """,
    )
    assert [e["it"] for e in got] == [2, 4, 6]


def test_one_loader_restarted_by_next_is_an_epoch_a_pass(tmp_path):
    """A step loop that restarts its only loader: each pass is an epoch, as before."""
    got = epochs(
        tmp_path,
        """
        it = iter(unlabeled)
        for step in range(25):
            try:
                xu, yu = next(it)
            except StopIteration:
                it = iter(unlabeled)
                xu, yu = next(it)
            train_step(xu, yu, xu)
        """,
    )
    assert [e["it"] for e in got] == [10, 20, 25]


def test_an_evaluation_batch_drawn_now_and_then_is_no_second_training_loader(tmp_path):
    """A script that keeps an iterator over its test loader and looks at one batch every few
    steps: the training loader's passes stay the epochs."""
    got = epochs(
        tmp_path,
        """
        peek = iter(test)
        for epoch in range(3):
            for i, (x, y) in enumerate(unlabeled):
                train_step(x, y, x)
                if i % 4 == 3:
                    model.eval()
                    with torch.no_grad():
                        try:
                            xt, yt = next(peek)
                        except StopIteration:
                            peek = iter(test)
                            xt, yt = next(peek)
                        model(xt)
                    model.train()
        """,
    )
    assert [e["it"] for e in got] == [10, 20, 30]


VAL_BODY = """
xt, yt = test.dataset.tensors

def evaluate_tensors():
    model.eval()
    with torch.no_grad():
        F.cross_entropy(model(xt), yt)
    model.train()

def accuracy(loader):
    model.eval()
    with torch.no_grad():
        for x, y in loader:
            F.cross_entropy(model(x), y)
    model.train()

for epoch in range(2):
    for x, y in unlabeled:
        train_step(x, y, x)
    {evaluate}
"""


def test_the_training_set_evaluated_is_kept_out_of_val(tmp_path):
    """MixMatch evaluates its labeled training loader ("train stats") before the validation
    set: VAL is the validation set's alone (it had the training set's losses mixed in)."""
    got = epochs(tmp_path, VAL_BODY.format(evaluate="accuracy(unlabeled); accuracy(test)"))
    assert [e["metrics"]["val"]["base_acc"] for e in got] == [pytest.approx(30 / 48, abs=1e-4)] * 2
    notes = [json.loads(line)["text"] for line in (tmp_path / "runs" / "r" / "run.jsonl").read_text().splitlines()
             if '"note"' in line]
    assert any("training loader unlabeled" in n for n in notes)


def test_tensors_in_memory_evaluated_after_a_training_pass_are_val(tmp_path):
    """The control: an evaluation with no loader of its own, right after the training loader's
    pass, is VAL."""
    got = epochs(tmp_path, VAL_BODY.format(evaluate="evaluate_tensors()"))
    assert [e["metrics"]["val"]["base_acc"] for e in got] == [pytest.approx(30 / 48, abs=1e-4)] * 2


def test_the_training_set_evaluated_mid_epoch_from_the_first_step_is_kept_out_of_val(tmp_path):
    """LLMs-from-scratch's train_classifier_simple evaluates a few batches of the training loader,
    then of the validation loader, every eval_freq steps from step 0: the first evaluation comes
    before any pass has ended, when nothing yet says which loader trains. The training loader's
    own pass, still open and with a backward pass behind it, says so: VAL is the validation
    set's in every epoch (it was the training set's in the first, and empty after)."""
    got = epochs(tmp_path, """
        def evaluate_some(loader, n):
            model.eval()
            with torch.no_grad():
                for i, (x, y) in enumerate(loader):
                    if i >= n:
                        break
                    F.cross_entropy(model(x), y)
            model.train()

        step = 0
        for epoch in range(2):
            for x, y in unlabeled:
                train_step(x, y, x)
                if step % 4 == 0:
                    evaluate_some(unlabeled, 2)
                    evaluate_some(test, 2)
                step += 1
        """)
    import torch

    torch.manual_seed(0)
    torch.randn(32, 4), torch.randn(160, 4)
    y = (torch.randn(48, 4)[:32, 0] > 0).float()  # the test loader's first two batches
    majority = max(y.mean().item(), 1 - y.mean().item())
    assert [e["metrics"]["val"]["base_acc"] for e in got] == [pytest.approx(majority, abs=1e-4)] * 2
    notes = [json.loads(line)["text"] for line in (tmp_path / "runs" / "r" / "run.jsonl").read_text().splitlines()
             if '"note"' in line]
    assert any("training loader unlabeled" in n for n in notes) and not any("VAL is measured on" in n for n in notes)


def test_the_training_set_evaluated_through_a_loader_of_its_own_is_kept_out_of_val(tmp_path):
    """karpathy/makemore evaluates the training set and then the test set, each through a new
    DataLoader made inside evaluate(): the first is not the training loader, but it reads the
    training loader's dataset. VAL is the test set's (it was the training set's, and the test
    set's losses were the ones kept out)."""
    got = epochs(tmp_path, VAL_BODY.format(
        evaluate="accuracy(DataLoader(unlabeled.dataset, batch_size=32, shuffle=True)); "
                 "accuracy(DataLoader(test.dataset, batch_size=16))"))
    assert [e["metrics"]["val"]["base_acc"] for e in got] == [pytest.approx(30 / 48, abs=1e-4)] * 2
    notes = [json.loads(line)["text"] for line in (tmp_path / "runs" / "r" / "run.jsonl").read_text().splitlines()
             if '"note"' in line]
    assert any("reads the dataset of the training loader unlabeled" in n for n in notes), notes
    assert not any("VAL is measured on" in n for n in notes), notes
