"""Preflight checks (issue 6): for every check a faulty model it catches and a healthy twin it
passes, the user's model left bit-identical, the snapshot line, memory vs batch size, the CLI."""

from __future__ import annotations

import argparse
import json
import textwrap

import pytest
import torch
from check_models import (
    MLP,
    BatchNormMLP,
    Buffered,
    CausalMHA,
    CausalSDPA,
    ClampedHead,
    DetachedHead,
    PaddedEncoder,
    PlainAttribute,
    ScaledLogits,
    SeqPool,
)
from torch import nn

import torchvitals.checks as checks
from torchvitals.check_cli import add_parser
from torchvitals.checks import Skipped
from torchvitals.rules import get


def regression(n: int = 64, features: int = 24):
    g = torch.Generator().manual_seed(0)
    return torch.randn(n, features, generator=g), torch.randn(n, 1, generator=g)


def classification(n: int = 64, features: int = 24, classes: int = 10):
    g = torch.Generator().manual_seed(1)
    return torch.randn(n, features, generator=g), torch.randint(0, classes, (n,), generator=g)


def sequences(n: int = 4, t: int = 8, f: int = 8):
    g = torch.Generator().manual_seed(2)
    x = torch.randn(n, t, f, generator=g)
    return x, x.clone()


def padded_tokens():
    g = torch.Generator().manual_seed(3)
    ids = torch.randint(0, 50, (4, 10), generator=g)
    mask = torch.ones(4, 10, dtype=torch.bool)
    mask[:, 7:] = False
    mask[0, 5:] = False
    return ids, mask, torch.randint(0, 5, (4, 10), generator=g)


def names(findings) -> set[str]:
    return {f.name for f in findings}


# --- cannot-overfit ---------------------------------------------------------------------------


@pytest.mark.parametrize("faulty", [DetachedHead, ClampedHead])
def test_gradient_blocking_head_cannot_overfit(faulty):
    torch.manual_seed(0)
    found = checks.overfit_batch(faulty(), regression())
    assert names(found) == {"cannot-overfit"}
    ev = found[0].evidence
    assert ev["ratio"] > ev["required_ratio"] and len(ev["curve"]) >= 3
    assert "Curve:" in found[0].message


@pytest.mark.parametrize("make_batch", [regression, classification])
def test_plain_mlp_overfits(make_batch):
    torch.manual_seed(0)
    x, y = make_batch()
    out = 1 if y.is_floating_point() else 10
    assert checks.overfit_batch(MLP(out=out), (x, y)) == []


def test_overfit_uses_the_users_optimizer_class_and_lr():
    torch.manual_seed(0)
    model = MLP()
    sgd = torch.optim.SGD(model.parameters(), lr=1e-7)  # far too small to memorize anything
    found = checks.overfit_batch(model, regression(), optimizer=sgd, steps=50)
    assert names(found) == {"cannot-overfit"}
    assert found[0].evidence["optimizer"] == "SGD" and found[0].evidence["lr"] == 1e-7


# --- init-loss-off ----------------------------------------------------------------------------


def test_logits_scaled_by_100_give_init_loss_off():
    torch.manual_seed(0)
    found = checks.init_loss(ScaledLogits(out=10), classification())
    assert names(found) == {"init-loss-off"}
    assert (
        found[0].severity == "warning"
        and found[0].evidence["ratio"] > checks.overfit.INIT_LOSS_FACTOR
    )
    assert "ln 10" in found[0].message


def test_default_init_is_near_chance():
    torch.manual_seed(0)
    assert checks.init_loss(MLP(out=10), classification()) == []
    assert checks.init_loss(MLP(), regression()) == []


def test_custom_loss_skips_init_loss_with_reason():
    with pytest.raises(Skipped, match="custom loss"):
        checks.init_loss(MLP(), regression(), loss_fn=lambda out, y: (out - y).abs().mean())


# --- batch-mixing -----------------------------------------------------------------------------


def test_view_swapping_batch_and_time_mixes_the_batch():
    torch.manual_seed(0)
    x = torch.randn(8, 5, 6)
    found = checks.batch_mixing(SeqPool(swap=True), (x, None))
    assert names(found) == {"batch-mixing"}
    assert found[0].evidence["leaking_samples"] and "dimension 0 (batch)" in found[0].message
    assert checks.batch_mixing(SeqPool(swap=False), (x, None)) == []


class _Reorders(nn.Module):
    """Sorts its batch (a captioning decoder sorts by caption length for a packed sequence) and
    returns the rows in that order; `mix` also adds the next sample's input to each row."""

    def __init__(self, mix: bool) -> None:
        super().__init__()
        self.lin, self.mix = nn.Linear(6, 3), mix

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        order = x[:, 0].argsort(descending=True)
        h = x[order]
        return self.lin(h + h.roll(1, 0) if self.mix else h)


def test_a_model_that_reorders_its_batch_does_not_mix_it():
    """Before, the output of sample 0 coming from the input of sample 4 (a sorted batch) was
    batch-mixing at error level; depending on one other sample's input alone is a reordering.
    Its control: the same reordering plus a neighbour's input is mixing."""
    torch.manual_seed(0)
    x = torch.randn(8, 6)
    x[0, 0] = -10.0  # sample 0 is not first once sorted
    assert checks.batch_mixing(_Reorders(mix=False), (x, None)) == []
    found = checks.batch_mixing(_Reorders(mix=True), (x, None))
    assert names(found) == {"batch-mixing"}


def test_batchnorm_is_judged_in_eval_mode():
    torch.manual_seed(0)
    assert checks.batch_mixing(BatchNormMLP(), classification(classes=3)) == []


# --- causal-leak ------------------------------------------------------------------------------


def test_sdpa_with_triu_mask_leaks_the_future():
    torch.manual_seed(0)
    found = checks.causal_leak(CausalSDPA(mask="triu"), sequences(), causal=True)
    assert names(found) == {"causal-leak"}
    assert found[0].evidence["earliest_position"] == 0
    assert "is_causal=True" in found[0].fix


@pytest.mark.parametrize("mask", ["is_causal", "tril"])
def test_correct_sdpa_causal_mask_passes(mask):
    torch.manual_seed(0)
    assert checks.causal_leak(CausalSDPA(mask=mask), sequences(), causal=True) == []


def test_multihead_attention_mask_polarity():
    torch.manual_seed(0)
    assert names(checks.causal_leak(CausalMHA(wrong=True), sequences(), causal=True)) == {
        "causal-leak"
    }
    assert checks.causal_leak(CausalMHA(wrong=False), sequences(), causal=True) == []


def test_causal_leak_needs_causal_true():
    with pytest.raises(Skipped, match="causal=True"):
        checks.causal_leak(CausalSDPA(mask="triu"), sequences())


# --- padding-leak -----------------------------------------------------------------------------


def test_inverted_padding_mask_leaks():
    torch.manual_seed(0)
    ids, mask, y = padded_tokens()
    found = checks.padding_leak(PaddedEncoder(inverted=True), ((ids, mask), y), padding_mask=mask)
    assert names(found) == {"padding-leak"}
    assert checks.padding_leak(PaddedEncoder(), ((ids, mask), y), padding_mask=mask) == []


# --- save-load-mismatch -----------------------------------------------------------------------


def test_plain_tensor_attribute_is_named():
    torch.manual_seed(0)
    found = checks.save_load(PlainAttribute(), regression(), factory=PlainAttribute)
    assert "save-load-mismatch" in names(found)
    assert any("scale" in f.where and "register_buffer" in f.message for f in found)
    assert checks.save_load(Buffered(), regression(), factory=Buffered) == []


def test_missing_keys_are_named():
    torch.manual_seed(0)
    found = checks.save_load(
        MLP(), regression(), factory=lambda: nn.Sequential(MLP(), nn.Identity())
    )
    assert "save-load-mismatch" in names(found)
    assert any("0.net.0.weight" in f.message for f in found)


def test_dropout_in_train_mode_is_reported_as_dropout_not_save_load():
    torch.manual_seed(0)
    model = MLP(dropout=0.5)
    assert model.training
    found = checks.save_load(model, regression(), factory=lambda: MLP(dropout=0.5))
    assert names(found) == {"dropout-active"}
    assert found[0].severity == "info"
    assert "dropout" in found[0].message and "train mode" in found[0].message


def test_save_load_needs_a_factory():
    with pytest.raises(Skipped, match="factory="):
        checks.save_load(MLP(), regression())


# --- input contract ---------------------------------------------------------------------------


def test_25_features_into_a_model_built_for_24():
    torch.manual_seed(0)
    x, y = regression(features=25)
    found = checks.input_contract(MLP(features=24), (x, y))
    assert names(found) == {"input-shape-mismatch"}
    assert "25" in found[0].message and "24" in found[0].message
    assert checks.input_contract(MLP(features=25), (x, y)) == []


def test_expected_features_option():
    x, y = regression(features=25)
    found = checks.input_contract(MLP(features=25), (x, y), expected_features=24)
    assert "25" in found[0].message and "expected_features=24" in found[0].message


def test_check_reports_a_crash_instead_of_raising():
    x, y = regression(features=25)
    diag = checks.check(MLP(features=24), (x, y))
    assert diag.names("error") == {"input-shape-mismatch"}
    assert "cannot-overfit" in diag.unjudged


# --- check(): everything at once, and the model untouched ---------------------------------------


def _state(model: nn.Module):
    return (
        {n: p.detach().clone() for n, p in model.named_parameters()},
        {n: b.detach().clone() for n, b in model.named_buffers()},
        {n: m.training for n, m in model.named_modules()},
    )


def test_check_leaves_the_model_bit_identical():
    torch.manual_seed(0)
    model = BatchNormMLP()
    model.net[1].eval()  # a mixed-mode model: the modes must come back exactly as they were
    x, y = classification(classes=3)
    params, buffers, modes = _state(model)
    rng = torch.get_rng_state()
    diag = checks.check(model, (x, y), factory=BatchNormMLP, steps=30)
    assert diag.summary["checks_run"]
    for n, p in model.named_parameters():
        assert torch.equal(p, params[n]), n
        assert p.grad is None
    for n, b in model.named_buffers():
        assert torch.equal(b, buffers[n]), n
    assert {n: m.training for n, m in model.named_modules()} == modes
    assert torch.equal(torch.get_rng_state(), rng)


def test_check_healthy_classifier_and_default_loss_note():
    torch.manual_seed(0)
    diag = checks.check(MLP(out=10), classification(), factory=lambda: MLP(out=10))
    assert diag.healthy, str(diag)
    assert any("cross_entropy" in n for n in diag.notes)
    assert set(diag.unjudged) == {"causal-leak", "padding-leak"}
    assert "causal=True" in diag.unjudged["causal-leak"]
    assert "padding_mask=" in diag.unjudged["padding-leak"]


def test_check_on_a_causal_model():
    torch.manual_seed(0)
    x, y = sequences()
    bad = checks.check(CausalSDPA(mask="triu"), (x, y), causal=True, steps=30)
    assert "causal-leak" in bad.names("error")
    good = checks.check(CausalSDPA(mask="is_causal"), (x, y), causal=True, steps=30)
    assert "causal-leak" not in good.names() and "causal-leak" not in good.unjudged


def test_findings_have_explain_pages():
    for name in (
        "cannot-overfit",
        "init-loss-off",
        "batch-mixing",
        "causal-leak",
        "padding-leak",
        "save-load-mismatch",
        "input-shape-mismatch",
        "dropout-active",
    ):
        page = get(name)
        assert page is not None and page.what and page.fix, name


# --- snapshot and memory ----------------------------------------------------------------------


def test_snapshot_line_and_untouched_model():
    torch.manual_seed(0)
    model = MLP()
    params, buffers, modes = _state(model)
    snap = checks.snapshot(model, regression(), torch.nn.functional.mse_loss)
    for key in (
        "data_ms",
        "forward_ms",
        "backward_ms",
        "optimizer_ms",
        "device_syncs_count",
        "total_params",
        "trainable_params",
        "frozen_params",
        "param_bytes",
        "out_shape",
        "out_dtype",
        "out_bytes",
        "activation_bytes",
        "samples_per_sec",
        "env",
    ):
        assert key in snap, key
    assert snap["device_syncs_count"] == 0 and snap["memory_source"] == "cpu-rss"
    assert snap["total_params"] == 24 * 64 + 64 + 64 + 1 and snap["frozen_params"] == 0
    line = checks.snapshot_line(snap)
    assert line.startswith("MICRODETAIL ms: ") and "\n" not in line
    keys = [
        tok.split("=", 1)[0]
        for tok in line[len("MICRODETAIL ms: ") :].split(" ")
        if "=" in tok and tok.split("=", 1)[0].isidentifier()
    ]
    assert keys == sorted(keys)
    assert "param_bytes=6.5KB" in line and "out_shape=(64, 1)" in line
    assert all(torch.equal(p, params[n]) for n, p in model.named_parameters())


def test_snapshot_takes_a_loader():
    x, y = regression()
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x, y), batch_size=16)
    snap = checks.snapshot(MLP(), loader, torch.nn.functional.mse_loss)
    assert snap["batch_size"] == 16 and snap["out_shape"] == (16, 1)


def test_memory_profile_grows_with_batch_size_and_fits_a_budget():
    torch.manual_seed(0)

    def make(n):
        return torch.randn(n, 24), torch.randn(n, 1)

    prof = checks.memory_profile(MLP(), make, sizes=(8, 64, 512), budget_bytes=100_000)
    peaks = [r["peak_bytes"] for r in prof["rows"]]
    assert peaks == sorted(peaks) and peaks[0] < peaks[-1]
    assert prof["largest_under_budget"] == 64
    assert "cpu estimate" in prof["source"]


# --- CLI --------------------------------------------------------------------------------------

FACTORY_FILE = textwrap.dedent(
    """
    import sys
    import torch
    from torch import nn
    sys.path.insert(0, {tests!r})
    from check_models import MLP, DetachedHead

    def _batch():
        g = torch.Generator().manual_seed(0)
        return torch.randn(64, 24, generator=g), torch.randn(64, 1, generator=g)

    def healthy():
        torch.manual_seed(0)
        return MLP(), _batch(), nn.MSELoss()

    def broken():
        torch.manual_seed(0)
        return DetachedHead(), _batch(), nn.MSELoss(), None, {{"steps": 50}}

    def raises():
        raise RuntimeError("no data here")
    """
)


def _cli(argv):
    parser = argparse.ArgumentParser(prog="torchvitals")
    sub = parser.add_subparsers(dest="command")
    add_parser(sub)
    args = parser.parse_args(argv)
    return args.func(args)


@pytest.fixture
def factory_file(tmp_path):
    from pathlib import Path

    path = tmp_path / "factories.py"
    path.write_text(FACTORY_FILE.format(tests=str(Path(__file__).parent)))
    return path


def test_cli_exit_codes(factory_file, capsys):
    assert _cli(["check", f"{factory_file}:healthy"]) == 0
    out = capsys.readouterr().out
    assert "MICRODETAIL ms: " in out
    assert _cli(["check", f"{factory_file}:broken"]) == 1
    assert "cannot-overfit" in capsys.readouterr().out
    for bad in (
        f"{factory_file}:nothing",
        f"{factory_file}:raises",
        "no_such_module_xyz:make",
        "no-colon",
        str(factory_file.parent / "missing.py") + ":make",
    ):
        assert _cli(["check", bad]) == 2, bad
        assert "torchvitals check:" in capsys.readouterr().err


def test_cli_json(factory_file, capsys):
    assert _cli(["check", f"{factory_file}:broken", "--json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert "cannot-overfit" in {f["name"] for f in data["findings"]}
    assert data["summary"]["snapshot"]["total_params"] > 0


def test_nan_loss_at_init_is_reported_not_divided():
    torch.manual_seed(0)
    model = CausalMHA(wrong=True)  # its last step attends to nothing: NaN
    found = checks.init_loss(model, sequences())
    assert names(found) == {"init-loss-off"} and found[0].severity == "error"
    assert "nan" in checks.overfit_batch(model, sequences(), steps=5)[0].message


def test_snapshot_is_stored_in_a_watched_run(tmp_path):
    import torchvitals
    from torchvitals.checks import snapshot

    model = torch.nn.Sequential(torch.nn.Linear(8, 16), torch.nn.ReLU(), torch.nn.Linear(16, 1))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    mon = torchvitals.watch(model, opt, out=str(tmp_path), name="r", console=False)
    snapshot(model, (torch.randn(16, 8), torch.randn(16, 1)), torch.nn.functional.mse_loss, opt)
    diag = mon.close()
    assert diag.summary["events"].get("snapshot") == 1
    (ev,) = [e for e in torchvitals.record.read_run(tmp_path / "r").events if e.get("kind") == "snapshot"]
    assert ev["line"].startswith("MICRODETAIL ms:") and ev["batch_size"] == 16
