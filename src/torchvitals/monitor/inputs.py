"""What the batch reaching the model is, as the monitor's forward and loss hooks see it: its
size against its DataLoader's and its features' scale (probes/batches.py), the training
dataset's labels, and under torchrun the fingerprints that tell whether the ranks train on the
same data (probes/whole_dataset.py). Measures; rules/batches.py and rules/distributed.py judge.
"""

from __future__ import annotations

import torch
from torch import nn

from torchvitals.probes.batches import feature_rms, first_layer, new_loader_labels
from torchvitals.probes.handed import HANDED
from torchvitals.probes.whole_dataset import whole_dataset_id
from torchvitals.ranks import bit_sum


class Inputs:
    """The batch-inspecting part of `Monitor` (monitor/core.py), which owns the state it uses."""

    def offer_batch(self, x: torch.Tensor | None) -> None:
        """A framework's hook hands over the input of the training batch about to run (Lightning's
        on_train_batch_start). It is taken for that batch when the first optimizer's next step
        ends (its closure, if any, has run the training step), only if no forward of the
        watched model received a tensor input in between: a training_step that calls a part of
        the model (self.model(**batch)) instead of the model, or a forward given the batch as a
        tuple. With gradient accumulation, a batch no forward took is taken when the next one
        is offered. Never raises."""
        if self.closed or "forward" in self.disabled:
            return
        try:
            if self._offered is not None:  # the previous batch's, not taken by a forward (accumulation)
                self._take_offered()
            self._offered = x if isinstance(x, torch.Tensor) and x.dim() > 0 else None
        except Exception as exc:
            self._fail("forward", exc)

    def _take_offered(self) -> None:
        x, self._offered = self._offered, None
        if x is not None:
            self._take_input(None, x, whole=True)

    def _take_input(self, module: nn.Module | None, x: torch.Tensor, whole: bool = False) -> None:
        """A training batch's input `x` (at least one dimension) reached `module` (None: the
        first model): its samples, under torchrun its fingerprint, its size and scale. `whole`:
        a batch a framework offered, once (its loader may have handed out the next one since)."""
        n = x.shape[0]
        added = n if whole else self._sample_count.add(n)  # a second forward on the same batch adds none (probes/batches.py)
        self._samples += added
        self._epoch_samples += added
        self._batch_size = max(self._batch_size, n)  # the epoch's full batches, not its last, partial one
        if self.sampler.cross is not None:
            self._cross_rank_input(x)
        self._look_at_batch(module, x)

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
