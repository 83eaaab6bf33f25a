"""Plain PyTorch training scripts that ship with torchvitals (no torchvitals import)."""

from __future__ import annotations

import ast
from pathlib import Path

FORECASTER = Path(__file__).with_name("forecaster.py")


def forecaster_bugs() -> dict[str, str]:
    """The bugs the forecaster script can seed (its `BUGS` table: name → what it does), read from
    its source: importing the script would import torch, which `torchvitals lint` and
    `diagnose` never need and whose import was most of their start-up."""
    for node in ast.parse(FORECASTER.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "BUGS" for t in node.targets):
            return ast.literal_eval(node.value)
    raise LookupError(f"{FORECASTER} has no BUGS table")
