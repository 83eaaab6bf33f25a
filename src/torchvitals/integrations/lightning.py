"""torchvitals inside a Lightning fit: `Trainer(callbacks=[VitalsCallback()])`.

At fit start the callback watches the LightningModule with the trainer's optimizers (the torch
optimizers under Lightning's wrappers), its LR schedulers and, under `precision="16-mixed"`,
the precision plugin's GradScaler: `torchvitals.watch(...)` with the callback's options. While
the fit runs it shows the monitor each training batch's loss (`on_train_batch_end`'s outputs)
and closes an epoch with the trainer's logged metrics (`val_loss` → VAL loss). At fit end, or
when the fit stops with an error, it closes the monitor: the diagnosis is printed and written.
Lightning's `gradient_clip_val` calls torch's `clip_grad_norm_`, which torchvitals observes
(the pre-clip norm in the record); manual optimization, several optimizers and gradient
accumulation need nothing more, since the monitor hooks the torch optimizers themselves. Under
`torchvitals run` the fit's monitor is also shown the predictions and targets of the loss
functions the fit calls (`loss_split` says whether a call is the fit's training or its
validation), as a plain script's monitor is.

Every hook is guarded: an error inside torchvitals is said once on the console and never
reaches the fit. Works with `lightning.pytorch` and with `pytorch_lightning`
(`callback_class("pytorch_lightning")`).
"""

from __future__ import annotations

import importlib
import sys
import weakref
from typing import Any

import torch

from torchvitals.config import resolve
from torchvitals.findings import Diagnosis
from torchvitals.integrations.lightning_logger import LightningLoggerSink
from torchvitals.probes.batches import batch_input
from torchvitals.terminal import say
from torchvitals.wrapped import wrapped_modules

# What a fit's logged metrics are called, and where they go in the epoch record.
_SPLIT_NAMES = (("validation", "val"), ("valid", "val"), ("val", "val"), ("train", "train"))
# A prefix (`val_loss`, `valid/acc`) or a suffix (`loss_val`, `loss/train`) names the split.
_SPLITS = tuple((word + sep, split) for word, split in _SPLIT_NAMES for sep in ("_", "/"))
_SUFFIXES = tuple((sep + word, split) for word, split in _SPLIT_NAMES for sep in ("_", "/"))
_PACKAGES = ("lightning.pytorch", "pytorch_lightning")


def torch_optimizer(opt: Any) -> Any:
    """The torch optimizer under Lightning's LightningOptimizer wrapper (or `opt` itself). The
    wrapper passes isinstance(…, Optimizer) checks; it keeps the optimizer in `_optimizer`."""
    for _ in range(4):
        inner = getattr(opt, "__dict__", {}).get("_optimizer")
        if inner is None:
            break
        opt = inner
    return opt


def epoch_metrics(logged: dict[str, Any]) -> tuple[dict[str, float], dict[str, float]]:
    """(train, val) metrics from `trainer.callback_metrics`: `val_loss`, `val/loss`,
    `valid_loss`, `validation_loss` or `loss/val` → val's `loss`, `train_acc` or `acc_train` →
    train's `acc`, an unnamed split's `loss` → train. Scalars only; `_step`-suffixed per-batch
    copies are left out."""
    train: dict[str, float] = {}
    val: dict[str, float] = {}
    for key, value in logged.items():
        if isinstance(value, torch.Tensor):
            if value.numel() != 1:
                continue
            value = value.detach().float().item()
        if not isinstance(value, (int, float)) or isinstance(value, bool) or key.endswith("_step"):
            continue
        name = key[: -len("_epoch")] if key.endswith("_epoch") else key
        split = next(((s, name[len(p):]) for p, s in _SPLITS if name.startswith(p)), None)
        split = split or next(((s, name[: -len(x)]) for x, s in _SUFFIXES if name.endswith(x) and len(name) > len(x)), None)
        if split is None:
            if "/" in name or name.startswith(("test", "predict")):
                continue
            split = ("train", name)
        (val if split[0] == "val" else train)[split[1]] = float(value)
    return train, val


def batch_tensor(batch: Any) -> torch.Tensor | None:
    """The input of a Lightning training batch: the batch itself when it is a tensor, its input
    among a dict's entries (probes/batches.batch_input), or the first entry of a tuple or list
    (Lightning's (x, y) convention), looked into once."""
    found = batch_input((batch,))
    if found is None and isinstance(batch, (tuple, list)) and batch:
        found = batch_input((batch[0],))
    return found


def batch_loss(outputs: Any) -> torch.Tensor | None:
    """The training loss in what `training_step` returned (a tensor or a dict's "loss")."""
    loss = outputs.get("loss") if isinstance(outputs, dict) else outputs
    return loss.detach() if isinstance(loss, torch.Tensor) and loss.numel() == 1 else None


class _Vitals:
    """The callback's body; `callback_class` puts it on a Lightning package's Callback."""

    def __init__(self, **options: Any) -> None:
        """`options` are `torchvitals.watch`'s (every, out, name, console, sinks, probe, …).
        An unknown option raises here, at construction, not inside the fit."""
        resolve(**options)
        self.options = options
        self.monitor: Any = None
        self.diagnosis: Diagnosis | None = None
        self._said: set[str] = set()
        self._losses_seen = False  # a training batch's loss was observed this epoch
        self._validated = False  # a validation epoch ended since the last training epoch did
        self._trainer: Any = None  # weakref to the trainer of the running fit

    # ------------------------------------------------------------------ safety
    def _guard(self, what: str, fn: Any, *args: Any) -> Any:
        """Run torchvitals code from a Lightning hook: an error is said once, never raised."""
        try:
            return fn(*args)
        except Exception as exc:
            if what not in self._said:
                self._said.add(what)
                say(sys.stderr, f"torchvitals: {what} failed ({type(exc).__name__}: {exc}); training goes on")
            return None

    # ------------------------------------------------------------------ Lightning hooks
    def on_fit_start(self, trainer: Any, pl_module: Any) -> None:
        self._guard("watching the fit", self._watch, trainer, pl_module)

    def on_train_batch_start(self, trainer: Any, pl_module: Any, batch: Any, batch_idx: int) -> None:
        if self.monitor is not None:
            self._guard("looking at the batch", self.monitor.offer_batch, batch_tensor(batch))

    def on_train_batch_end(self, trainer: Any, pl_module: Any, outputs: Any, batch: Any, batch_idx: int) -> None:
        if self.monitor is not None:
            self._guard("observing the training loss", self._observe, trainer, pl_module, outputs)

    def on_validation_epoch_end(self, trainer: Any, pl_module: Any) -> None:
        if not getattr(trainer, "sanity_checking", False):
            self._validated = True

    def on_train_epoch_end(self, trainer: Any, pl_module: Any) -> None:
        if self.monitor is not None:
            self._guard("closing an epoch", self._epoch_end, trainer)

    def on_fit_end(self, trainer: Any, pl_module: Any) -> None:
        self._guard("closing the monitor", self._close, trainer, None)

    def on_exception(self, trainer: Any, pl_module: Any, exception: BaseException) -> None:
        self._guard("closing the monitor", self._close, trainer, exception)

    def teardown(self, trainer: Any, pl_module: Any, stage: str) -> None:
        if stage == "fit":  # a fit that ended without on_fit_end or on_exception
            self._guard("closing the monitor", self._close, trainer, None)

    def loss_split(self) -> str | None:
        """For `torchvitals run`, which shows this fit's monitor the loss function calls it
        sees: "train" inside the fit's training, "val" inside its validation, None elsewhere
        (the sanity check, no fit running)."""
        trainer = self._trainer() if self.monitor is not None and self._trainer is not None else None
        if trainer is None or getattr(trainer, "sanity_checking", False):
            return None
        return "train" if getattr(trainer, "training", False) else "val" if getattr(trainer, "validating", False) else None

    # ------------------------------------------------------------------ the work
    def _watch(self, trainer: Any, pl_module: Any) -> None:
        from torchvitals.monitor import watch  # the hooks load with the first fit

        self._close(trainer, None)  # a second fit with the same callback gets its own run
        self.diagnosis = None
        self._validated = self._losses_seen = False
        self._trainer = weakref.ref(trainer)
        optimizers = [torch_optimizer(o) for o in trainer.optimizers]
        schedulers = [cfg.scheduler for cfg in getattr(trainer, "lr_scheduler_configs", [])]
        scaler = getattr(trainer.precision_plugin, "scaler", None)
        options = dict(self.options)
        loggers = [lg for lg in getattr(trainer, "loggers", []) if lg is not None]
        if loggers:
            options["sinks"] = [*resolve(**self.options).sinks, LightningLoggerSink(loggers)]
        self.monitor = watch(pl_module, optimizers, scheduler=schedulers, scaler=scaler, **options)
        self.monitor.auto_close = False  # the fit's end closes it
        # Manual optimization calls zero_grad() on Lightning's wrappers, not on the optimizers.
        wrappers = pl_module.optimizers(use_pl_optimizer=True) if optimizers else []
        for wrapper in wrappers if isinstance(wrappers, list) else [wrappers]:
            self.monitor.add_optimizer_alias(wrapper, torch_optimizer(wrapper))
        if self.monitor.console is not None:
            n = sum(p.numel() for p in pl_module.parameters())
            say(sys.stderr, f"torchvitals: watching the Lightning fit of {type(pl_module).__name__} ({n:,} parameters, "
                            f"{len(optimizers)} optimizer(s)); run directory {self.monitor.run_dir}")
        if getattr(trainer, "fast_dev_run", False):
            # A smoke test, not a run: never called healthy (the verdict says what was seen).
            self.monitor.stopped_by("fast_dev_run: Lightning ran a few batches only, too few to judge most problems")

    def _observe(self, trainer: Any, pl_module: Any, outputs: Any) -> None:
        loss = batch_loss(outputs)
        if loss is not None:
            if getattr(pl_module, "automatic_optimization", True):
                # Automatic optimization hands back the loss divided by accumulate_grad_batches.
                loss = loss * getattr(trainer, "accumulate_grad_batches", 1)
            self.monitor.observe(loss=loss, split="train")
            self._losses_seen = True

    def _epoch_end(self, trainer: Any) -> None:
        if getattr(trainer, "sanity_checking", False):
            return
        train, val = epoch_metrics(dict(trainer.callback_metrics))
        if not self._validated:
            # No validation this epoch (check_val_every_n_epoch, a fit stopped by max_steps):
            # the trainer still holds the last one's metrics, which are not this epoch's.
            val = {}
        self._validated = False
        if self._losses_seen:
            # Every training batch's loss was observed: the epoch's loss is their mean. A logged
            # `train_loss` is its last batch's alone unless it was logged with on_epoch=True.
            train.pop("loss", None)
        self._losses_seen = False
        self.monitor.epoch_end(train=train or None, val=val or None)

    def _close(self, trainer: Any, exception: BaseException | None) -> None:
        mon, self.monitor = self.monitor, None
        if mon is None:
            return
        if exception is not None:
            mon.stopped_by(exception)
        elif getattr(trainer, "interrupted", False):
            mon.stopped_by("the fit was interrupted")
        self.diagnosis = mon.close()


_CLASSES: dict[str, type] = {}


def callback_class(package: str = "lightning.pytorch") -> type:
    """VitalsCallback for `package` ("lightning.pytorch" or "pytorch_lightning"): a Trainer
    accepts only its own package's Callback subclasses."""
    if package not in _CLASSES:
        base = importlib.import_module(package).Callback
        _CLASSES[package] = type("VitalsCallback", (_Vitals, base), {"__module__": __name__, "__doc__": _Vitals.__doc__})
    return _CLASSES[package]


def _default() -> type:
    for package in _PACKAGES:
        try:
            return callback_class(package)
        except ImportError:
            continue
    raise ImportError("torchvitals' Lightning callback needs lightning: pip install 'torchvitals[lightning]'")


VitalsCallback = _default()


# ---------------------------------------------------------------------- `torchvitals run`


def _fit_of(roots: list[Any]) -> tuple[Any, str] | None:
    """(trainer, package) when one of `roots` is a LightningModule attached to a trainer, or
    wraps one (the DistributedDataParallel of strategy="ddp", which wraps the module before
    configure_optimizers runs)."""
    for package in _PACKAGES:
        mod = sys.modules.get(package)
        module_cls = getattr(mod, "LightningModule", None)
        if module_cls is None:
            continue
        for root in roots:
            for m in wrapped_modules(root):
                trainer = getattr(m, "_trainer", None) if isinstance(m, module_cls) else None
                if trainer is not None:
                    return trainer, package
    return None


def attach_to_fit(roots: list[Any], options: dict[str, Any]) -> Any:
    """For `torchvitals run`: an optimizer over `roots` was made inside a Lightning fit (by
    configure_optimizers, before on_fit_start). Add a VitalsCallback with `options` to that
    trainer unless it has one, and return the callback; None when no fit owns the optimizer."""
    fit = _fit_of(roots)
    if fit is None:
        return None
    trainer, package = fit
    existing = next((cb for cb in trainer.callbacks if isinstance(cb, _Vitals)), None)
    if existing is not None:
        return existing
    cb = callback_class(package)(**options)
    trainer.callbacks.append(cb)
    return cb


__all__ = ["VitalsCallback", "attach_to_fit", "callback_class", "epoch_metrics"]
