"""What the batch reaching the model is, as the monitor's forward and loss hooks see it: its
size against its DataLoader's and its features' scale (probes/batches.py), the training
dataset's labels, and under torchrun the fingerprints that tell whether the ranks train on the
same data (probes/whole_dataset.py). Measures; rules/batches.py and rules/distributed.py judge.
"""

from __future__ import annotations

import torch
from torch import nn

from torchvitals.probes.batches import feature_rms, first_layer, new_loader_labels
from torchvitals.probes.loader import HANDED
from torchvitals.probes.whole_dataset import whole_dataset_id
from torchvitals.ranks import bit_sum


class Inputs:
    """The batch-inspecting part of `Monitor` (monitor/core.py), which owns the state it uses."""

    def _cross_rank_input(self, x: torch.Tensor) -> None:
        """Under torchrun, a training forward: on sampled iterations, which data this rank trains
        on (duplicate-data-across-ranks), and the dataset its DataLoader reads whole, if it does.
        The loader counts only when it handed a batch since the previous training forward and
        its pass goes on: one iterated to its end before (a validation pass) is not the source."""
        fresh = HANDED.serial != self._handed_seen and not HANDED.last
        self._handed_seen = HANDED.serial
        if not self._sampled:
            return
        fp = bit_sum(x)
        self._batch_fp = fp if self._batch_fp is None else self._batch_fp + fp
        loader = HANDED.loader() if fresh and HANDED.loader is not None else None
        self._source = whole_dataset_id(loader)

    def _look_at_batch(self, module: nn.Module | None, x: torch.Tensor) -> None:
        """The batch's size against its DataLoader's (every forward: shapes only) and, on the
        first training forward of a sampled iteration, the scale of its features (probes/batches.py).
        `module` is None for a forward torch.compile traced (probes/compiled.py): the first model's."""
        if "batches" in self.disabled:
            return
        try:
            self._sizes.on_forward(x)
            if module is None:
                module = self.inv.roots[0]() if self.inv.roots else None
            if module is not None and self._scale is None and self._detailed and x.is_floating_point() and not x.is_nested:
                it = self._next_it()
                first = self._first_layers.get(id(module))
                if first is None:
                    first = self._first_layers[id(module)] = first_layer(module)
                self._scale = (it, feature_rms(x), first)
        except Exception as exc:
            self._fail("batches", exc)

    def _loss_batch(self, target: torch.Tensor, sampled: bool) -> None:
        """A training loss's targets: their batch size (for a model called without a positional
        tensor) and, on sampled iterations, the training dataset's class counts, once per
        DataLoader (single-class-batches)."""
        if "batches" in self.disabled:
            return
        try:
            self._sizes.on_forward(target, at_loss=True)
            if not sampled or target.is_floating_point():
                return
            labels = new_loader_labels(self._labelled)
        except Exception as exc:
            self._fail("batches", exc)
            return
        if labels is not None:
            self.event("dataset-labels", loader=labels[0], **labels[1])
