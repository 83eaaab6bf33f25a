"""A loss function call seen by `torchvitals run`: where in the user's code it was made, and
its value per element when the script asked for a sum (device arithmetic, no host read)."""

from __future__ import annotations

import os
from typing import Any

import torch


def per_element(name: str, result: Any, pred: Any, target: Any, kwargs: dict[str, Any]) -> Any:
    """A loss given with reduction='sum' (or the old size_average=False) as the mean per element
    (per target for class losses, per row for kl_div), so a summed validation loss reads like
    the averaged training loss beside it. Device arithmetic only."""
    summed = kwargs.get("reduction") == "sum" or (kwargs.get("reduction") is None and kwargs.get("size_average") is False)
    if not summed or not isinstance(result, torch.Tensor) or not isinstance(pred, torch.Tensor):
        return result
    if name in ("cross_entropy", "nll_loss") and isinstance(target, torch.Tensor) and not target.is_floating_point():
        n = (target != kwargs.get("ignore_index", -100)).sum().clamp(min=1)
    elif name == "kl_div":
        n = max(pred.shape[0], 1) if pred.dim() else 1
    elif name == "ctc_loss":  # (time, batch, classes): a loss per sequence
        n = max(pred.shape[1], 1) if pred.dim() == 3 else 1
    elif name in ("cross_entropy", "nll_loss"):  # soft targets: one row per sample
        n = max(pred.numel() // max(pred.shape[1] if pred.dim() > 1 else 1, 1), 1)
    else:
        n = max((target if isinstance(target, torch.Tensor) else pred).numel(), 1)
    return result.detach() / n


_TORCH_DIR = os.path.dirname(torch.__file__)


def _user_frame(frame: Any) -> Any:
    while frame is not None and frame.f_code.co_filename.startswith(_TORCH_DIR):
        frame = frame.f_back
    return frame


def call_site(frame: Any) -> tuple[str, int, int]:
    """The first caller outside torch (an nn.MSELoss module calls F.mse_loss from torch): its
    file, line and the call's bytecode offset, so that two losses called on one line
    (`kl_div(...) * a + cross_entropy(...)`, a main and an auxiliary head) are two sites."""
    frame = _user_frame(frame)
    return (frame.f_code.co_filename, frame.f_lineno, frame.f_lasti) if frame is not None else ("?", 0, 0)


class ArgumentOrder:
    """The order a script writes a symmetric loss's arguments in (MSE, L1, …): either way round
    gives the same loss, and an autoencoder's `F.mse_loss(x, model(x))` puts the prediction
    second. In training the prediction is the argument that carries the model's gradient; the
    order a loss was written in there holds for its calls without gradient (validation)."""

    def __init__(self) -> None:
        self._swapped: dict[str, bool] = {}

    def oriented(self, name: str, pred: torch.Tensor, target: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(prediction, target) of a call of loss `name`."""
        if torch.is_grad_enabled() and pred.requires_grad != target.requires_grad:
            self._swapped[name] = target.requires_grad
        return (target, pred) if self._swapped.get(name) else (pred, target)
