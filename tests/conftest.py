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
