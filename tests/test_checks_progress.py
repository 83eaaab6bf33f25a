"""The preflight checks tell a progress callback which check begins (the CLI's bar on a
terminal), every check once and in order; no callback changes nothing."""

import torch
from torch import nn

from torchvitals.checks import CHECK_NAMES, check
from torchvitals.sinks.progress import on_terminal, steps_bar


def _case():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))
    return model, (torch.randn(16, 4), torch.randint(0, 3, (16,)))


def test_progress_names_every_check_in_order():
    model, batch = _case()
    seen: list[str] = []
    diag = check(model, batch, nn.functional.cross_entropy, steps=20, progress=seen.append)
    assert seen == list(CHECK_NAMES)  # each begun once, in order (skipped ones too: they begin, then say why)
    assert set(diag.summary["checks_run"]) <= set(seen)
    model2, batch2 = _case()
    quiet = check(model2, batch2, nn.functional.cross_entropy, steps=20)
    assert quiet.names() == diag.names() and quiet.summary["checks_run"] == diag.summary["checks_run"]


def test_bar_only_on_a_terminal(tmp_path):
    with open(tmp_path / "f", "w") as fh:
        assert not on_terminal(fh)
    bar, begin = steps_bar(len(CHECK_NAMES), "checks")
    with bar:
        for name in CHECK_NAMES:
            begin(name)


def test_memory_profile_tells_each_batch_size():
    from torchvitals.checks import memory_profile

    model, _ = _case()
    seen: list[str] = []
    out = memory_profile(model, lambda b: (torch.randn(b, 4), torch.randint(0, 3, (b,))), sizes=[8, 4],
                         loss_fn=nn.functional.cross_entropy, progress=seen.append)
    assert seen == ["batch size 4", "batch size 8"]
    assert [r["batch_size"] for r in out["rows"]] == [4, 8]  # the same sweep as without a callback
