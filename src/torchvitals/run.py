"""`torchvitals run SCRIPT [ARGS…]`: diagnose an unmodified training script.

The script runs in this process as `__main__`, with `sys.argv` and `sys.path[0]` set as plain
`python SCRIPT ARGS…` sets them. Before it starts, a few well-known PyTorch entry points are
wrapped so that torchvitals finds the pieces by itself:

  Optimizer.__init__        every optimizer is watched; the modules owning its parameters are
                            found (a one-time scan of live modules) and named after the
                            script's variables (`generator.net.0.weight`)
  LRScheduler / GradScaler  accounted against their optimizer (orphan scheduler steps, skips;
                            the metric each ReduceLROnPlateau.step() is given)
  torch.nn.functional.*loss predictions, targets and loss values feed the output-health rules
                            (run_losses.py)
  Tensor.backward           the first backward walks the autograd graph once: parameters that
                            get a gradient but sit in no optimizer are found even when no
                            module registers them (sub-modules kept in a plain Python list)
  DataLoader.__iter__       time waiting for batches vs time spent on them (input-bound;
                            probes/loader.py, the same probe watch() users get); the training
                            loader's passes become epochs
  warnings.showwarning      PyTorch's own training warnings become findings, and still print
  transformers.Trainer      gets a VitalsCallback that joins this monitor (integrations/)
  torch.multiprocessing     the processes the script starts itself (spawn, start_processes)
                            are watched each in its own process (spawned.py)

Everything is undone when the script ends, however it ends (normal end, exception, sys.exit,
Ctrl-C); the diagnosis is printed and the run directory written at that point.
"""

from __future__ import annotations

import os
import runpy
import sys
import traceback
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import nn

from torchvitals import spawned
from torchvitals.epoch_clock import EpochClock
from torchvitals.findings import Diagnosis
from torchvitals.hand_written import HandWritten
from torchvitals.integrations.trainer_hook import watch_trainers
from torchvitals.loss_calls import ArgumentOrder
from torchvitals.losses import LOSSES
from torchvitals.monitor import Monitor, watch
from torchvitals.names import describe, named_roots
from torchvitals.probes.attach import attributed_warnings
from torchvitals.probes.discovery import (
    graph_leaves,
    live_modules,
    orphan_names,
    other_models,
    owning_roots,
)
from torchvitals.probes.loader import LoaderProbe
from torchvitals.probes.manual import is_manual
from torchvitals.ranks import rank, world_size
from torchvitals.run_losses import LossTaps
from torchvitals.sinks import console
from torchvitals.sinks.progress import on_terminal, progress_line
from torchvitals.wrapped import building_optimizer

# The first backward passes whose autograd graph is walked (a GAN's first iteration has two
# losses over different models; later passes see the same graphs again).
GRAPH_WALKS = 4
# PyTorch warnings that are findings: (text in the message, event kind the rules read).
_TORCH_WARNINGS = (
    ("that is different to the input size", "loss-input-shape"),
    ("lr_scheduler.step()` before `optimizer.step()", "torch-warning"),
)


@dataclass
class Session(LossTaps):
    script: str
    options: dict[str, Any] = field(default_factory=dict)
    tells: bool = True  # prints its own lines (not on a torchrun job's ranks > 0: rank 0 tells)
    monitor: Monitor | None = None
    error: str | None = None
    loaders: LoaderProbe | None = None  # times every DataLoader of the script (set in __post_init__)
    _undo: list[Callable[[], None]] = field(default_factory=list)
    _graph_walks: int = 0
    _hand_written: HandWritten = field(default_factory=HandWritten)  # backward passes with no optimizer
    _lost_seen: int = 0  # steps without a backward pass, as of the last graph walk they caused
    _lost_walks: int = 0
    _loss_depth: int = 0
    _loss_sites: dict[str, tuple[tuple[str, int, int], str, bool]] = field(default_factory=dict)  # split: (site, kind, called twice)
    _order: ArgumentOrder = field(default_factory=ArgumentOrder)  # symmetric losses written (target, prediction)
    _said: set[str] = field(default_factory=set)
    _val_loader: int | None = None  # the evaluation loader whose losses make VAL
    _backward_at_epoch: int = 0
    fits: list[Any] = field(default_factory=list)  # Lightning fits' VitalsCallbacks (they watch those optimizers)
    worker: bool = False  # the session of a process the script started (spawned.Worker)
    spawn_dir: str | None = None  # where the processes the script starts write their records
    _spawn_options: dict[str, Any] | None = None  # what they watch with; None: the script started none

    def __post_init__(self) -> None:
        self.clock = EpochClock(lambda: self._guard("closing an epoch", self.epoch_end), self.backward_passes)
        self.loaders = LoaderProbe(self._loader_event, self.backward_passes, self._failed,
                                   on_start=self.pass_started, on_end=self.pass_ended,
                                   rng_check=self._rng_check)

    # ------------------------------------------------------------------ safety
    def _guard(self, what: str, fn: Callable[[], Any]) -> Any:
        """Run instrumentation code; an error is said once and never reaches the script."""
        try:
            return fn()
        except Exception as exc:
            self._failed(what, exc)
            return None

    def _failed(self, what: str, exc: BaseException) -> None:
        if what not in self._said:
            self._said.add(what)
            console.say(sys.stderr, f"torchvitals: {what} failed ({type(exc).__name__}: {exc}); the script goes on")

    def _patch(self, owner: Any, name: str, make: Callable[[Any], Any]) -> None:
        original = getattr(owner, name)
        setattr(owner, name, make(original))
        self._undo.append(lambda: setattr(owner, name, original))

    # ------------------------------------------------------------------ install / remove
    def install(self) -> None:
        session = self
        attributed_warnings(True)
        self._undo.append(lambda: attributed_warnings(False))

        def optimizer_init(original: Any) -> Any:
            def __init__(opt: Any, *args: Any, **kwargs: Any) -> None:
                original(opt, *args, **kwargs)
                session._guard("watching an optimizer", lambda: session.on_optimizer(opt))

            return __init__

        def after_init(kind: str) -> Callable[[Any], Any]:
            def make(original: Any) -> Any:
                def __init__(obj: Any, *args: Any, **kwargs: Any) -> None:
                    original(obj, *args, **kwargs)
                    session._guard(f"watching a {kind}", lambda: session.on_component(kind, obj))

                return __init__

            return make

        self._patch(torch.optim.Optimizer, "__init__", optimizer_init)
        self._patch(torch.optim.lr_scheduler.LRScheduler, "__init__", after_init("scheduler"))
        # ReduceLROnPlateau subclasses LRScheduler in torch 2.x but its __init__ does not call
        # LRScheduler.__init__: patch it too (a scheduler seen twice is wrapped once).
        if hasattr(torch.optim.lr_scheduler, "ReduceLROnPlateau"):
            self._patch(torch.optim.lr_scheduler.ReduceLROnPlateau, "__init__", after_init("scheduler"))
        self._patch(torch.amp.GradScaler, "__init__", after_init("scaler"))
        # What each loss shows the output-health rules (losses.Loss.args): "pair" prediction and
        # target, "class" logits and class indices, "pred" the prediction only.
        for loss in LOSSES:
            self._patch(torch.nn.functional, loss.func, lambda original, n=loss.func, k=loss.args: self._loss_wrapper(original, n, k))
        self._patch(torch.Tensor, "backward", self._backward_wrapper)
        assert self.loaders is not None
        self.loaders.time_all(exclusive=True)  # every loader is the session's, whatever monitor lives
        self._undo.append(self.loaders.close)
        self._patch(warnings, "showwarning", self._warning_wrapper)
        # A Hugging Face Trainer gets torchvitals' callback (it joins this session's monitor).
        undo = self._guard("watching the Hugging Face Trainer", watch_trainers)
        if undo is not None:
            self._undo.append(undo)
        self._undo.append(spawned.follow(self._spawned_worker))

    def uninstall(self) -> None:
        while self._undo:
            self._undo.pop()()

    # ------------------------------------------------------------------ discovery
    def on_optimizer(self, opt: torch.optim.Optimizer) -> None:
        if is_manual(opt):  # torchvitals' own stand-in (on_unwatched_backward)
            return
        if building_optimizer(opt) is not None:  # a part of another optimizer (ZeroRedundancyOptimizer's shard)
            return
        params = {id(p) for g in opt.param_groups for p in g["params"]}
        roots = owning_roots(params)
        if self._lightning_fit(roots):
            return
        named = named_roots(roots)
        if self.monitor is None:
            # No name given: TORCHVITALS_NAME (one for every rank of a launch), else a timestamp.
            if len(named) > 1 or other_models(roots):  # several models: name each after its variable
                self.monitor = watch(dict(named), opt, **self.options)
            else:
                self.monitor = watch([m for _, m in named] or None, opt, **self.options)
            self.monitor.auto_close = False  # the session closes it when the script ends
            self.monitor.of_run = True  # the script's own watch() calls join it
            if (self.tells or (self.worker and self.monitor.rank == 0)) and self.monitor.opts.console:
                console.say(sys.stderr, f"torchvitals: watching {type(opt).__name__} over {describe(named)}; run directory {self.monitor.run_dir}")
            return
        for name, m in named:
            self.monitor.add_model(m, name)
        self.monitor.add_optimizer(opt)

    def _lightning_fit(self, roots: list[nn.Module]) -> bool:
        """An optimizer made by a Lightning fit is watched by the fit's VitalsCallback, which
        this adds to the trainer (integrations/lightning.py), not by a monitor of the session."""
        if "lightning.pytorch" not in sys.modules and "pytorch_lightning" not in sys.modules:
            return False
        from torchvitals.integrations.lightning import attach_to_fit

        cb = attach_to_fit(roots, self.options)
        if cb is not None and cb not in self.fits:
            self.fits.append(cb)
        return cb is not None

    def on_component(self, kind: str, obj: Any) -> None:
        if self.monitor is None:
            return
        if kind == "scheduler":
            self.monitor.add_scheduler(obj)
        elif kind == "scaler":
            self.monitor.add_scaler(obj)

    # ------------------------------------------------------------------ wrappers
    def _backward_wrapper(self, original: Any) -> Any:
        session = self

        def backward(tensor: torch.Tensor, *args: Any, **kwargs: Any) -> Any:
            if session.monitor is None and not session.fits:
                session._guard("watching a hand-written update", lambda: session.on_unwatched_backward(tensor))
            elif session._graph_walks < GRAPH_WALKS or session._lost_backward():
                session._graph_walks += 1
                session._guard("walking the autograd graph", lambda: session.on_graph(tensor))
            return original(tensor, *args, **kwargs)

        return backward

    def _lost_backward(self) -> bool:
        """An optimizer stepped with no backward pass reaching it since its last step: the
        gradients go elsewhere (a model re-created after the optimizer). Walk the next graph
        once to find where."""
        n = self.monitor.steps_without_backward() if self.monitor is not None else 0
        if n > self._lost_seen and self._lost_walks < GRAPH_WALKS:
            self._lost_seen = n
            self._lost_walks += 1
            return True
        return False

    def on_unwatched_backward(self, loss: torch.Tensor) -> None:
        """A backward pass and no optimizer: from the second one on, a hand-written update
        (hand_written.py) is watched."""
        mon = self._hand_written.on_backward(loss, self.options, self.tells)
        if mon is not None:
            self.monitor = mon

    def on_graph(self, loss: torch.Tensor) -> None:
        """Parameters reached by the first backward that no watched module or optimizer holds."""
        mon = self.monitor
        if mon is None or loss.grad_fn is None or mon.shards_parameters():
            return
        leaves = graph_leaves(loss.grad_fn)
        known = mon.watched_param_ids()
        orphans = [p for p in leaves if id(p) not in known and isinstance(p, nn.Parameter)]
        if orphans:
            names = orphan_names(orphans, mon.named_roots())
            mon.add_params([(names.get(id(p), f"unregistered.{i}"), p) for i, p in enumerate(orphans)])

    def backward_passes(self) -> int:
        """Backward passes so far: a training loader is one iterated while they happen (even
        when a gate lets no optimizer step through)."""
        return self.monitor.backward_passes() if self.monitor is not None else 0

    def pass_started(self, key: int) -> None:
        """A new pass over the training loader ends the epoch before it (epoch_clock.py)."""
        if self.loaders is not None:
            self.clock.pass_started(key, self.loaders)

    def pass_ended(self, key: int, backward_at_start: int) -> None:
        """A pass over a loader ran to its end: the first during which backward passes ran is
        the training loader's (epoch_clock.py)."""
        self.clock.pass_ended(key, backward_at_start)

    def epoch_end(self) -> None:
        if self.monitor is not None and self.backward_passes() > self._backward_at_epoch:
            self._backward_at_epoch = self.backward_passes()
            self.monitor.epoch_end()

    def _rng_check(self) -> bool:
        """Test a loader's worker randomness only once a monitor can record what was found."""
        return self.monitor is not None and bool(getattr(self.monitor.opts, "loader_rng", True))

    def _loader_event(self, kind: str, **fields: Any) -> None:
        """A loader's timing goes to the monitor once there is one (before, it is dropped)."""
        if self.monitor is not None:
            self.monitor.event(kind, **fields)

    def _warning_wrapper(self, original: Any) -> Any:
        session = self

        def showwarning(message: Any, category: Any, filename: str, lineno: int, *args: Any, **kwargs: Any) -> Any:
            session._guard("reading a warning", lambda: session.on_warning(str(message), filename))
            return original(message, category, filename, lineno, *args, **kwargs)

        return showwarning

    def on_warning(self, text: str, filename: str) -> None:
        if self.monitor is None or "torch" not in filename:
            return
        for needle, kind in _TORCH_WARNINGS:
            if needle in text:
                self.monitor.event(kind, text=f"PyTorch warned: {text.strip()}")
                return
        self.monitor.event("note", text=f"PyTorch warned: {text.strip()[:300]}")

    # ------------------------------------------------------------------ the run
    def run(self, args: list[str]) -> int:
        """Run the script; return its exit code (0, sys.exit's code, 1 on an exception, 130
        on Ctrl-C)."""
        path = os.path.abspath(self.script)
        saved_argv, saved_path0 = sys.argv[:], sys.path[0] if sys.path else None
        sys.argv = [self.script, *args]
        if sys.path:
            sys.path[0] = os.path.dirname(path)
        else:
            sys.path.insert(0, os.path.dirname(path))
        code = 0
        try:
            script_globals = runpy.run_path(path, run_name="__main__")
            if world_size() > 1:
                # Under torch.distributed the script's objects live on to interpreter exit, as
                # under plain python: freeing a DistributedDataParallel here (its Reducer, then
                # its gloo process group) joins gloo's worker thread while holding the GIL, and a
                # worker that needs the GIL to free a tensor deadlocks the rank.
                _KEPT.append(script_globals)
        except SystemExit as exc:
            code = _exit_code(exc.code)
            if code:
                self.error = f"sys.exit({exc.code!r})"
        except KeyboardInterrupt:
            console.say(sys.stderr, "KeyboardInterrupt")
            code = 130
            self.error = "KeyboardInterrupt"
        except BaseException as exc:  # the script's own error: shown as python shows it
            _print_script_traceback(exc, path)
            self.error = f"{type(exc).__name__}: {exc}"
            code = 1
        finally:
            sys.argv = saved_argv
            if saved_path0 is not None:
                sys.path[0] = saved_path0
        return code

    def close(self) -> Diagnosis:
        if self.loaders is not None:
            self.loaders.close()  # a pass cut short (break, an error) is reported too
        if self.clock.loader is not None:
            self._guard("closing an epoch", self.epoch_end)
        if self.monitor is None and self.fits:  # each fit printed its diagnosis when it ended
            fit = self.fits[-1]
            if fit.monitor is not None:  # a fit still running when the script stopped
                fit.monitor.stopped_by(self.error or "the script ended inside the fit")
                fit.diagnosis = fit.monitor.close()
            if fit.diagnosis is not None:
                return fit.diagnosis
        if self.monitor is None and self._spawn_options is not None:
            diag = spawned.job_diagnosis(self.spawn_dir, self.error)
            if not diag.judged and self.tells and self.options.get("console", True):
                console.print_diagnosis(diag, sys.stderr)
            return diag
        if self.monitor is None:
            why = "the script created no torch.optim optimizer"
            diag = Diagnosis(judged=False, not_judged=why + (f" before it stopped with {self.error}" if self.error else ""),
                             stopped=self.error)
            if self.tells and self.options.get("console", True):
                console.print_diagnosis(diag, sys.stderr)
            return diag
        if self.error:
            self.monitor.stopped_by(self.error)
        return self.monitor.close()

    # ------------------------------------------------------------------ processes it starts
    def _spawned_worker(self, fn: Any) -> spawned.Worker:
        """What a process the script starts runs instead of `fn` (spawned.py)."""
        if self._spawn_options is None:
            self._spawn_options, self.spawn_dir = spawned.job_options(self.options)
        return spawned.Worker(fn, Session, self.script, self._spawn_options)


# ---------------------------------------------------------------------- helpers


_KEPT: list[dict[str, Any]] = []  # the globals of scripts run under torch.distributed (see Session.run)


def _exit_code(code: Any) -> int:
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    console.say(sys.stderr, str(code))
    return 1


def _print_script_traceback(exc: BaseException, path: str) -> None:
    """The traceback from the script's first frame on, as `python SCRIPT` would print it."""
    tb = exc.__traceback__
    while tb is not None and os.path.abspath(tb.tb_frame.f_code.co_filename) != path:
        tb = tb.tb_next
    traceback.print_exception(type(exc), exc, tb or exc.__traceback__, file=sys.stderr)


def run_script(script: str, args: list[str], options: dict[str, Any], fail_on: str | None = None) -> tuple[int, Diagnosis]:
    """Run `script` under torchvitals and return (exit code, diagnosis)."""
    if not os.path.isfile(script):
        raise FileNotFoundError(f"{script}: no such file")
    tells = options.get("console", True) and rank() == 0
    session = Session(script=script, options=options, tells=tells)
    if tells:
        console.say(sys.stderr, f"torchvitals run: {script} {' '.join(args)}".rstrip() + " — findings are printed at the end")
    session.install()
    spawned.ACTIVE.append(session)
    live = progress_line(lambda: session.monitor) if tells and on_terminal(sys.stderr) else None
    try:
        if live is not None:
            with live:
                code = session.run(args)
        else:
            code = session.run(args)
    finally:
        spawned.ACTIVE.remove(session)
        session.uninstall()
        diag = session.close()
    if fail_on and code == 0 and (diag.at_least(fail_on) or not diag.judged):
        code = 1  # a gate never passes a run nobody could judge
    return code, diag


__all__ = ["Session", "live_modules", "owning_roots", "run_script"]
