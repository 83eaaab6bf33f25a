import sys
from pathlib import Path

import pytest
import torch

# Small models run fastest on one thread, and CI's two cores are then free for pytest itself.
torch.set_num_threads(1)
sys.path.insert(0, str(Path(__file__).parent))


@pytest.fixture(autouse=True)
def _quiet_env(monkeypatch):
    """Tests set options explicitly; a developer's TORCHVITALS_* variables must not leak in."""
    import os

    for key in list(os.environ):
        if key.startswith("TORCHVITALS_"):
            monkeypatch.delenv(key)


@pytest.fixture
def host_reads(monkeypatch):
    """Records every tensor→host read made from torchvitals' own code (on CUDA each is a
    synchronisation). Reads by PyTorch itself (Adam calls .item() on CPU) are not counted."""
    reads: list[tuple[str, str]] = []

    def spy(name, original):
        def read(self, *a, **k):
            caller = sys._getframe(1).f_code.co_filename
            if "torchvitals" in caller and "tests" not in caller:
                reads.append((name, caller))
            return original(self, *a, **k)

        return read

    for name in ("item", "tolist", "cpu", "numpy", "__float__", "__bool__", "__int__"):
        monkeypatch.setattr(torch.Tensor, name, spy(name, getattr(torch.Tensor, name)))
    return reads
