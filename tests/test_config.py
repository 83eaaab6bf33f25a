import pytest

from torchvitals.config import resolve


def test_environment_configures_and_keywords_win(monkeypatch):
    monkeypatch.setenv("TORCHVITALS_EVERY", "7")
    monkeypatch.setenv("TORCHVITALS_WARN_NORM", "1e-9")
    monkeypatch.setenv("TORCHVITALS_PROBE", "encoder, encoder.layers.*")
    monkeypatch.setenv("TORCHVITALS_CONSOLE", "off")
    opts = resolve(warn_norm=1e-5)
    assert opts.every == 7 and opts.warn_norm == 1e-5 and opts.console is False
    assert opts.probe == ["encoder", "encoder.layers.*"]


def test_malformed_environment_warns_and_keeps_default(monkeypatch):
    monkeypatch.setenv("TORCHVITALS_EVERY", "often")
    with pytest.warns(UserWarning, match="TORCHVITALS_EVERY='often'"):
        opts = resolve()
    assert opts.every == 50


def test_out_false_means_no_files():
    assert resolve(out=False).out == "" and resolve(probe="enc").probe == ["enc"]


def test_detail_every_from_environment_and_validated(monkeypatch):
    monkeypatch.setenv("TORCHVITALS_DETAIL_EVERY", "3")
    assert resolve().detail_every == 3
    with pytest.raises(ValueError, match="detail_every"):
        resolve(detail_every=0)


def test_snapshot_mb_from_environment_and_validated(monkeypatch):
    monkeypatch.setenv("TORCHVITALS_SNAPSHOT_MB", "64")
    assert resolve().snapshot_mb == 64.0 and resolve(snapshot_mb=0).snapshot_mb == 0
    for bad in (-1, float("nan"), "lots"):
        with pytest.raises(ValueError, match="snapshot_mb"):
            resolve(snapshot_mb=bad)
