"""torchvitals for the Hugging Face `Trainer`: `VitalsCallback`.

```python
from torchvitals.integrations.transformers import VitalsCallback
trainer = Trainer(model=model, args=args, train_dataset=ds, callbacks=[VitalsCallback()])
trainer.train()          # the diagnosis is printed when training ends; callback.diagnosis holds it
```

At train begin the callback calls `torchvitals.watch` on the Trainer's model and the torch
optimizer inside Accelerate's `AcceleratedOptimizer` (the wrapper skips `step()` and
`zero_grad()` while gradients accumulate, so the optimizer underneath sees exactly the steps
taken: `gradient_accumulation_steps` counts as accumulation, never as skipped steps). Clipping
needs nothing here: the Trainer clips through `accelerator.clip_grad_norm_`, which calls
`torch.nn.utils.clip_grad_norm_` by attribute at each call, the function torchvitals wraps while a
monitor lives (probes/clip.py), so every step record carries the pre-clip norm. The Trainer's
logged training loss (`on_log`) goes to `observe()` (loss rules, the epoch line), its evaluation
loss to the epoch's VAL, and the Trainer's epochs close torchvitals' epochs.

Reporting: when `args.report_to` names "tensorboard", "wandb" or "mlflow", the same names are
passed to `watch(sinks=[...])` (unless `sinks=` is given to the callback), so torchvitals' scalars
and findings go to the same tool under their own run. Sharing the Trainer's own logger objects was
not chosen: the Trainer's TensorBoard writer and W&B/MLflow runs are opened by its own callbacks
in an order torchvitals does not control and closed at `on_train_end`, before the diagnosis is
ready; the Trainer's `log()` takes only numbers at its own steps and prints them to the console
as well. Going through torchvitals' sinks keeps one formatting of the records (sinks/scalars.py).

Every callback method is guarded: an error inside torchvitals is reported once on stderr and
training goes on. Under `torchvitals run`, the optimizer the Trainer creates is already watched by
the run's monitor; the callback joins that monitor instead of making a second one, and leaves the
losses, epochs and the closing to the run (which sees every loss call and every loader pass).
"""

from __future__ import annotations

import sys
from typing import Any

from transformers import TrainerCallback

from torchvitals.monitor import Monitor
from torchvitals.monitor.live import watch
from torchvitals.registry import monitor_for
from torchvitals.sinks import console
from torchvitals.wrapped import unwrap

# report_to names with a torchvitals sink of the same name (sinks/chosen.py).
SHARED_LOGGERS = ("tensorboard", "wandb", "mlflow")


def _report_to(args: Any) -> list[str]:
    names = getattr(args, "report_to", None) or []
    if isinstance(names, str):
        names = [names]
    if "all" in names:  # the Trainer's "all": every installed integration; ours open if installed
        return list(SHARED_LOGGERS)
    return [n for n in SHARED_LOGGERS if n in names]


def _guarded(fn: Any) -> Any:
    """A callback method whose errors are said once and never reach the Trainer."""

    def method(self: VitalsCallback, *args: Any, **kwargs: Any) -> None:
        try:
            fn(self, *args, **kwargs)
        except Exception as exc:
            self._failed(fn.__name__, exc)

    method.__name__ = fn.__name__
    method.__doc__ = fn.__doc__
    return method


class VitalsCallback(TrainerCallback):
    """Watches a `transformers.Trainer` run with torchvitals; options are `watch()`'s."""

    def __init__(self, **options: Any) -> None:
        self.options = options
        self.monitor: Monitor | None = None
        self.diagnosis: Any = None
        self._owned = False  # made here (closed at train end), or joined (torchvitals run's)
        self._said: set[str] = set()
        self._val: dict[str, float] = {}
        self._epoch_done = False  # the Trainer ended an epoch that torchvitals has not closed yet

    def _failed(self, where: str, exc: BaseException) -> None:
        if where not in self._said:
            self._said.add(where)
            console.say(sys.stderr, f"torchvitals: {where} failed ({type(exc).__name__}: {exc}); training goes on")

    @_guarded
    def on_train_begin(self, args: Any, state: Any, control: Any, model: Any = None, optimizer: Any = None,
                       lr_scheduler: Any = None, **kwargs: Any) -> None:
        """Watch the model and the torch optimizer (inside Accelerate's wrapper)."""
        self.monitor, self.diagnosis, self._val, self._epoch_done = None, None, {}, False
        opt = unwrap(optimizer) if optimizer is not None else None
        joined = monitor_for(opt) if opt is not None else None
        if joined is not None:  # torchvitals run (or the user's own watch()) already watches it
            self.monitor, self._owned = joined, False
            if model is not None and not joined.watches(model):
                joined.add_model(model)
            if lr_scheduler is not None:
                joined.add_scheduler(unwrap(lr_scheduler))
            return
        options = dict(self.options)
        if options.get("sinks") is None and _report_to(args):
            options["sinks"] = _report_to(args)
        self.monitor = watch(model, opt, scheduler=lr_scheduler, **options)
        self.monitor.auto_close = False  # closed at train end, with the diagnosis
        self._owned = True

    @_guarded
    def on_log(self, args: Any, state: Any, control: Any, logs: dict[str, Any] | None = None, **kwargs: Any) -> None:
        """The Trainer's mean training loss since its last log feeds the loss rules."""
        if self.monitor is None or not self._owned or not logs:
            return
        if isinstance(logs.get("loss"), (int, float)):
            self.monitor.observe(loss=float(logs["loss"]), split="train")

    @_guarded
    def on_evaluate(self, args: Any, state: Any, control: Any, metrics: dict[str, Any] | None = None, **kwargs: Any) -> None:
        """Evaluation metrics (`eval_loss`, …) become the epoch's VAL (under `torchvitals run`,
        that of the epoch the run's monitor closes next)."""
        if self.monitor is None or not metrics:
            return
        skip = ("runtime", "samples_per_second", "steps_per_second", "epoch")
        val = {k.removeprefix("eval_"): float(v) for k, v in metrics.items()
               if isinstance(v, (int, float)) and not k.endswith(skip)}
        if not self._owned:
            self.monitor.report("val", val)
            return
        self._val = val
        self._close_epoch()

    @_guarded
    def on_epoch_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        """The Trainer's epoch closes torchvitals' (the per-epoch line). The Trainer evaluates
        an epoch after this call: the epoch is closed at that evaluation, or when the next
        epoch or the training's end comes first."""
        self._epoch_done = self.monitor is not None and self._owned

    @_guarded
    def on_epoch_begin(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        self._close_epoch()

    def _close_epoch(self) -> None:
        if self._epoch_done and self.monitor is not None:
            self._epoch_done = False
            self.monitor.epoch_end(val=self._val or None)
            self._val = {}

    @_guarded
    def on_train_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        """Close the monitor: the diagnosis is printed and the run directory written."""
        self._close_epoch()
        mon, self.monitor = self.monitor, None
        if mon is not None and self._owned:
            self.diagnosis = mon.close()


def add_to_trainers(trainer_class: Any) -> Any:
    """Every `trainer_class` (a `transformers.Trainer`) made from now on gets a VitalsCallback
    unless it has one (`torchvitals run`; see integrations/trainer_hook.py). Returns a function
    that undoes this."""
    original = trainer_class.__init__

    def __init__(trainer: Any, *args: Any, **kwargs: Any) -> None:
        original(trainer, *args, **kwargs)
        try:
            if not any(isinstance(cb, VitalsCallback) for cb in trainer.callback_handler.callbacks):
                trainer.add_callback(VitalsCallback())
        except Exception as exc:
            console.say(sys.stderr, f"torchvitals: adding the Trainer callback failed ({type(exc).__name__}: {exc}); the script goes on")

    trainer_class.__init__ = __init__

    def undo() -> None:
        if trainer_class.__init__ is __init__:
            trainer_class.__init__ = original

    return undo
