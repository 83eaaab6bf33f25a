"""The loss calls of a script run by `torchvitals run` (run.py): each call of a
`torch.nn.functional` loss is shown to the monitor that watches the training it belongs to
(the session's, or a running Lightning fit's), with the split it belongs to, so that the
output rules (accuracy, baselines, probabilities-as-logits, ...) judge an unmodified script.
One half of `Session`, which owns the state these methods use."""

from __future__ import annotations

import sys
from typing import Any

import torch

from torchvitals.loss_calls import call_site, per_element


class LossTaps:
    """The loss-observing half of `run.Session`."""

    def _loss_wrapper(self, original: Any, name: str, kind: str) -> Any:
        session = self

        def loss(input: Any, target: Any, *args: Any, **kwargs: Any) -> Any:
            if session._loss_depth:
                return original(input, target, *args, **kwargs)
            # PyTorch's warnings (the MSE size warning) name the caller's line, as under plain
            # python: attributed_warnings skips this wrapper's frame.
            result = original(input, target, *args, **kwargs)
            if session._loss_depth == 0 and (session.monitor is not None or session.fits):
                session._loss_depth += 1  # cross_entropy calls nll_loss: observe once
                try:
                    site = call_site(sys._getframe(1))
                    session._guard(
                        "observing a loss",
                        lambda: session._observe(name, kind, input, target, per_element(name, result, input, target, kwargs), site),
                    )
                finally:
                    session._loss_depth -= 1
            return result

        loss.__name__ = name
        loss.__wrapped__ = original  # type: ignore[attr-defined]
        return loss

    def _observe(self, name: str, kind: str, pred: Any, target: Any, result: Any, site: tuple[str, int, int]) -> None:
        if not isinstance(pred, torch.Tensor) or not isinstance(target, torch.Tensor):
            return
        fit = next((f for f in self.fits if f.monitor is not None), None) if self.monitor is None else None
        mon = fit.monitor if fit is not None else self.monitor
        if mon is None or getattr(mon, "_in_preflight", False):
            return  # no monitor, or a loss the model computes inside the preflight's own forward
        if fit is not None:
            # A Lightning fit: its trainer says which split runs; its callback already shows the
            # monitor each training batch's loss (training_step's, the whole of it): this one
            # only judges the loss at init.
            split = fit.loss_split()
        else:
            split = "train" if torch.is_grad_enabled() and not self._evaluating(mon) else "val"
            if split == "val" and not self._is_val_loader():
                return
        if split is None:
            return
        if kind == "class" and target.is_floating_point():
            kind = "pred"  # soft targets: no class metrics
        if not self._at_site(split, site, kind, mon, kept=fit is None or split != "train"):
            if split == "train":  # shown for what its prediction is (a softmax handed to kl_div)
                mon.other_loss(pred, name)
            return
        if kind == "pair":
            pred, target = self._order.oriented(name, pred, target)
        if kind == "seq" and pred.dim() == 3:
            pred = pred.transpose(0, 1)  # CTC's (time, batch, classes): a row per sample first
        mon.observe(pred, None if kind in ("pred", "seq") else target, result, split=split, loss_fn=name,
                    loss_counted=fit is not None)

    def _at_site(self, split: str, site: tuple[str, int, int], kind: str, mon: Any, kept: bool) -> bool:
        """Whether this loss call makes the split's metrics: one call site per split (a
        multi-task loss would otherwise mix its heads' metrics), the first one called, except
        that a loss on class labels called right after a loss on soft targets takes its place
        (a distillation loss: kl_div against the teacher, then cross_entropy against the labels,
        which gives the accuracy and the baselines); the soft loss's one call is taken back
        when its loss was `kept` (a Lightning fit's training loss is its callback's, not ours)."""
        at = self._loss_sites.get(split)
        if at is None:
            self._loss_sites[split] = (site, kind, False)
            return True
        if at[0] == site:
            if not at[2]:  # called again: settled, no other site takes its place from now on
                self._loss_sites[split] = (site, kind, True)
            return True
        if at[1] == "pred" and kind == "class" and not at[2]:
            if kept:
                mon.forget_loss(split)
            self._loss_sites[split] = (site, kind, False)
            return True
        return False

    def _evaluating(self, mon: Any) -> bool:
        """An evaluation pass run with autograd on (no torch.no_grad(): the old `volatile=True`,
        a no-op on today's PyTorch, or simply left out): the watched models are all in eval(),
        a loader other than the training loader is being read, and no backward pass has run
        during its passes (a second training phase on a new loader with eval() left on stays
        training from its first backward on: only its very first batch, before any backward,
        cannot be told from an evaluation's)."""
        probe = self.loaders
        key = probe.active if probe is not None else None
        if key is None or self.clock.loader is None or self._trains(key):
            return False
        timing = probe.loaders.get(key)
        if self.backward_passes() > probe.active_backward0 or (timing is not None and timing.trained):
            return False
        roots = mon.roots()
        return bool(roots) and not any(m.training for m in roots)

    def _is_val_loader(self) -> bool:
        """VAL is one evaluation dataset's: the first one evaluated, through whichever loader
        reads it (the Hugging Face Trainer makes a new one for each evaluation). A test loader
        evaluated by the same code is kept out (said once), so VAL never mixes two datasets; so
        is a pass with no backward pass over a training loader, or over another loader of a
        training loader's dataset (the training set's accuracy).
        An evaluation with no loader of its own (tensors in memory) counts."""
        probe = self.loaders
        assert probe is not None
        key = probe.active if probe.active is not None else probe.ended
        if key is None:
            return True
        if self._trains(key):
            if probe.active != key or self.backward_passes() > probe.active_backward0:
                return True
            self._note_once("val-train", f"the losses of passes over the training loader {probe.loaders[key].name} "
                                         "with no backward pass (the training set evaluated) are kept out of VAL")
            return False
        train = self._training_twin(key)
        if train is not None:
            self._note_once("val-train-data", f"the losses on {probe.loaders[key].name}, which reads the dataset of the "
                                              f"training loader {train} with no backward pass (the training set "
                                              "evaluated), are kept out of VAL")
            return False
        if self._val_loader is None:
            self._val_loader = key
        if key == self._val_loader:
            return True
        if key in probe.loaders and self._val_loader in probe.loaders and probe.loaders[key].same_data(probe.loaders[self._val_loader]):
            return True
        names = [probe.loaders[k].name if k in probe.loaders else "?" for k in (self._val_loader, key)]
        self._note_once("val-mixed", f"VAL is measured on {names[0]}; the losses on {names[1]} are kept out of it")
        return False

    def _training_twin(self, key: int) -> str | None:
        """The name of a training loader that reads the same dataset as loader `key`, which is
        not one (makemore evaluates its training set through a DataLoader of its own); None
        when there is none."""
        probe = self.loaders
        assert probe is not None
        mine = probe.loaders.get(key)
        if mine is None:
            return None
        return next((t.name for k, t in probe.loaders.items() if k != key and self._trains(k) and mine.same_data(t)), None)

    def _trains(self, key: int) -> bool:
        """Whether loader `key` is a training loader: its passes so far say so (epoch_clock.py),
        or a pass over it still open has backward passes behind it (the training set evaluated
        in the middle of that pass, before any pass has ended)."""
        probe = self.loaders
        return self.clock.trains(key) or (probe is not None and probe.training_open(key, self.backward_passes()))

    def _note_once(self, what: str, text: str) -> None:
        if what not in self._said and self.monitor is not None:
            self._said.add(what)
            self.monitor.event("note", text=text)
