"""The Monitor: attaches the probes to a model and its optimizers, keeps the record, runs the
rules as evidence arrives, and hands every record, message and finding to its sinks.

Hot path (every iteration): a few Python attribute reads and integer increments in the
optimizer step hooks, the zero_grad taps and one tensor hook (monitor/hooks.py). Sampled
iterations additionally take foreach norms of gradients, weights and the update and copy them
to the host once (probes/reads.py); the record is written when the copy is there
(monitor/records.py).
"""

from __future__ import annotations

import sys
import time
import weakref
from collections.abc import Sequence
from typing import Any

import torch
from torch import nn

from torchvitals import ranks, registry
from torchvitals.config import Options, resolve
from torchvitals.diagnose import diagnose_history
from torchvitals.findings import Diagnosis, Finding
from torchvitals.losses import loss_kind
from torchvitals.monitor.epochs import Epochs, RunNaming
from torchvitals.monitor.hooks import Hooks
from torchvitals.monitor.inputs import Inputs
from torchvitals.monitor.preflight import Preflights
from torchvitals.monitor.records import Records, Unread
from torchvitals.monitor.wiring import Wiring
from torchvitals.probes.activations import ActivationProbe
from torchvitals.probes.attach import Taps, WeakHook, unhide_hooks
from torchvitals.probes.batches import BatchSamples, BatchSizes
from torchvitals.probes.clip import local_total, unwatch_clip, watch_clip
from torchvitals.probes.compiled import ForwardHook
from torchvitals.probes.cross_rank import CrossRank, is_dtensor
from torchvitals.probes.inventory import Inventory
from torchvitals.probes.loader import attach_loader_probe
from torchvitals.probes.nograd import NogradRuns
from torchvitals.probes.outputs import OutputProbe
from torchvitals.probes.sample import Sampler
from torchvitals.probes.values import jsonable
from torchvitals.ranks_epochs import EpochExchange
from torchvitals.record import History
from torchvitals.sinks.base import Sink
from torchvitals.sinks.chosen import open_sinks
from torchvitals.sinks.console import ConsoleSink
from torchvitals.sinks.run_dir import RunDirSink
from torchvitals.terminal import Once


def as_list(x: Any) -> list[Any]:
    """None → [], a list or tuple → a list, anything else → [x]."""
    return [] if x is None else list(x) if isinstance(x, (list, tuple)) else [x]


def named_models(model: Any) -> list[tuple[str, nn.Module]]:
    """(prefix, module) pairs: a dict's keys, a list's positions, no prefix for one module."""
    if isinstance(model, dict):
        return [(str(k), m) for k, m in model.items()]
    models = as_list(model)
    return [(str(i) if len(models) > 1 else "", m) for i, m in enumerate(models)]


class Monitor(Wiring, Hooks, Inputs, Records, Epochs, RunNaming, Preflights):
    """Watches a model and its optimizers. Create with `torchvitals.watch`."""

    def __init__(
        self,
        model: nn.Module | Sequence[nn.Module] | None,
        optimizers: Sequence[torch.optim.Optimizer],
        schedulers: Sequence[Any] = (),
        scaler: Any = None,
        opts: Options | None = None,
        baseline: Any = None,
    ) -> None:
        self.opts = opts or resolve()
        self._baseline = baseline
        self._outputs = OutputProbe()
        self._observed = False  # observe() was given a training prediction since the last record
        self._sentinels_ready = False
        self._by_output = False  # some optimizer's backward passes are counted at the output (FSDP2)
        self._sched_held = False  # a step account holds a composite scheduler call (see Hooks._release_scheduler_calls)
        # The first-batch preflight (monitor/preflight.py): its hook, whether it ran.
        self._preflight_handle: Any = None
        self._preflight_done = False
        self._preflight_waits = 0  # training forwards inside a checkpoint the preflight let pass
        self._init_loss_judged = False
        self.history = History()
        self.findings: dict[tuple[str, tuple[str, ...]], Finding] = {}
        self.disabled: dict[str, str] = {}
        self.event_counts: dict[str, int] = {}
        self.closed = False
        self.auto_close = True  # close when the optimizers are collected (`run` closes itself)
        self.of_run = False  # the monitor of `torchvitals run`: a watch() in its script joins it
        self.diagnosis: Diagnosis | None = None
        self._t0 = time.perf_counter()
        self._epoch_t0 = self._t0
        self._epoch = 0
        self._samples = 0
        self._epoch_samples = 0
        self._epoch_exchange: EpochExchange | None = None  # under torchrun: the epochs' numbers (monitor/epochs.py)
        self._epoch_notes = Once()  # notes about the epochs' exchange, each said once
        self._reported: dict[str, dict[str, Any]] = {}  # a framework's metrics for the epoch in progress (Epochs.report)
        self._batch_size = 0  # the largest training batch of the epoch so far (per rank)
        self._epoch_counts: dict[int, tuple[int, int]] = {}  # optimizer → (backward, steps) when the epoch began
        self._records = 0
        self._inflight: list[Unread] = []  # records whose host read is still on its way
        self._holding = False  # records are completed HOLD at a time (monitor/records.py)
        self._last_opt = 0  # the optimizer whose step came last
        self._rules_at, self._rules_due = 0, 0.0  # records at, and earliest time of, the next live rule pass
        self._handles: list[Any] = []
        self._forward: list[ForwardHook] = []  # the root's forward hooks (see _flush_forward)
        self._taps = Taps()  # zero_grad, scheduler.step, scaler.update: observed on the class
        self._hidden: list[tuple[weakref.ref[nn.Module], type]] = []  # modules whose hooks pickles must not carry
        self._zero_ids: dict[int, list[int]] = {}  # id(root model) → optimizers its zero_grad clears
        self._nograd = NogradRuns()  # forwards without gradient in train() since the last training forward
        self._mode_refs: dict[int, list[weakref.ref[nn.Module]]] = {}  # id(root model) → its dropout/BN layers
        self._aliases: dict[int, tuple[weakref.ref[Any], Any]] = {}  # id(wrapper) → (wrapper, its optimizer's state)
        self._scaler = None
        self._act: ActivationProbe | None = None
        self.inv = Inventory(self.opts.depth)
        self.sampler = Sampler(self.opts, self.inv, WeakHook(self, "_note"))  # no reference cycle
        # Whether the coming iteration is sampled, and takes the detailed measurements: asked by
        # the forward hooks on every forward, worked out when the first optimizer's iteration
        # ends (Hooks._next_iteration).
        self._sampled, self._detailed = self.sampler.sampled(1), self.sampler.detailed(1)
        self._batch_fp: torch.Tensor | None = None  # under torchrun: the sampled iteration's input
        self._source: str | None = None  # and its loader's dataset, when each rank reads it whole
        self._handed_seen = -1  # the loader batch (HANDED.serial) the previous training forward saw
        self._offered: torch.Tensor | None = None  # a batch's input a framework handed over (offer_batch)
        # The optimizer whose records carry it: the first to record, the same one on every rank
        # (not index 0: an optimizer made on one rank alone shifts that rank's indices).
        self._batch_opt: int | None = None
        self._sizes = BatchSizes()  # batch sizes at the model vs the DataLoader's (probes/batches.py)
        self._sample_count = BatchSamples()  # training samples per DataLoader batch (probes/batches.py)
        self._scale: tuple[int, torch.Tensor, str] | None = None  # the sampled input's feature scale
        self._first_layers: dict[int, str] = {}  # id(root) → its first layer's class
        self._labelled: set[int] = set()  # DataLoaders whose dataset labels were looked at
        self.rank, self.world = ranks.rank(), ranks.world_size()
        self.run_dir, chan, problem = self._make_run_dir()
        # Made before init_process_group under torchrun: the exchange opens at the first record.
        self._late_channel = chan is None and self.world > 1 and not ranks.initialized()
        # At the first record: under torchrun, look once more for DDP/FSDP (see _late_wrapper);
        # always, for parameters the model dropped since watching began (see _late_departures).
        self._first_record_pending = True
        if chan is not None:
            self.sampler.cross = CrossRank(chan, WeakHook(self, "event"), WeakHook(self, "_in_step"))
        # Under torchrun only rank 0 tells: the console and findings.json are the job's.
        self._run_files = RunDirSink(self.run_dir, ranks.run_file(self.rank, self.world), findings=self.rank == 0)
        tell = self.opts.console and self.rank == 0
        self.console = ConsoleSink(sys.stderr, self.opts.log_every, self.opts.live) if tell else None
        self.sinks: list[Sink] = [self._run_files] + ([self.console] if self.console else [])
        extra, troubles = open_sinks(self.opts.sinks, self.run_dir, self.opts.out) if self.rank == 0 else ([], [])
        self.sinks += extra
        for trouble in (self._run_files.error, problem, *troubles):
            if trouble:
                self._note(trouble)
        self._build(named_models(model), list(optimizers))
        for m in self.inv.live_roots():
            self._attach_model(m)
        for o in self._opts:
            self._attach_optimizer(o)
        for sched in schedulers:
            self.add_scheduler(sched)
        if scaler is not None:
            self.add_scaler(scaler)
        registry.LIVE[id(self)] = self
        self._clips: dict[int, tuple[torch.Tensor, float]] = {}  # optimizer → its latest clip_grad_norm_
        watch_clip(id(self), WeakHook(self, "_on_clip"))
        # DataLoaders iterated while this monitor lives are timed for it (input-bound, TV401).
        self._loaders = attach_loader_probe(self, WeakHook(self, "_fail", "loader"))

    # ------------------------------------------------------------------ telling
    def _tell(self, method: str, *args: Any) -> None:
        """Hand something to every sink; a sink that raises loses its own output, nothing else."""
        for sink in self.sinks:
            try:
                getattr(sink, method)(*args)
            except Exception:
                pass

    def _fail(self, probe: str, exc: BaseException) -> None:
        """A probe raised: switch it off, say so once, never let it reach the training loop."""
        if probe in self.disabled:
            return
        try:
            msg = f"{type(exc).__name__}: {exc}"
        except Exception:  # an exception whose str() raises
            msg = type(exc).__name__
        self.disabled[probe] = msg
        self._emit({"type": "event", "kind": "probe-error", "probe": probe, "error": msg})
        self._tell("on_message", f"the {probe} probe failed ({msg}); it is switched off, training goes on")

    def _fail_activations(self, exc: BaseException) -> None:
        self._fail("activations", exc)

    def _on_clip(self, params: list[torch.Tensor], total: Any, max_norm: float) -> None:
        """clip_grad_norm_ ran over watched parameters: keep its pre-clip norm for the record."""
        if self.closed or "clip" in self.disabled or not params:
            return
        try:
            # The optimizer holding the first clipped parameter it holds: a clip over the whole
            # model (Accelerate's, the Trainer's) may start with parameters no optimizer has.
            o = None
            for p in params:
                at = self.inv.index.get(id(p))
                o = next((o for o in self._opts if at in o.pidx), None) if at is not None else None
                if o is not None:
                    break
            norm = local_total(total)
            if o is not None and norm is not None:
                self._clips[o.idx] = (norm, max_norm)
        except Exception as exc:
            self._fail("clip", exc)

    def _note(self, text: str) -> None:
        self._emit({"type": "event", "kind": "note", "text": text})
        self._tell("on_message", text)

    def _emit(self, rec: dict[str, Any]) -> None:
        """Keep a record in the History and hand it to the sinks. Never raises: a History that
        cannot take a record switches the record off (said once, in run.jsonl too)."""
        if "record" not in self.disabled:
            try:
                self.history.add(rec, trusted=True)
            except Exception as exc:
                msg = f"{type(exc).__name__}: {exc}"
                self.disabled["record"] = msg
                self._emit({"type": "event", "kind": "probe-error", "probe": "record", "error": msg})
        self._tell("on_record", self.history, rec)

    # ------------------------------------------------------------------ public API
    def event(self, kind: str, **fields: Any) -> None:
        """Record something a guard or the user did (a head reset, a gated skip): an `event`
        record in run.jsonl and a count in the diagnosis summary. Never raises."""
        if self.closed:
            return
        try:
            self.event_counts[kind] = self.event_counts.get(kind, 0) + 1
            rec = {"type": "event", "kind": kind, "it": self._next_it(), "count": self.event_counts[kind]}
            rec.update({k: jsonable(v) for k, v in fields.items()})
            self._emit(rec)
        except Exception as exc:
            self._fail("events", exc)

    def steps_without_backward(self) -> int:
        """Optimizer steps so far that no backward pass reached (a model trained elsewhere)."""
        return sum(o.acct.c.steps_no_backward for o in self._opts)

    def optimizer_index(self, opt: Any) -> int | None:
        """The position of `opt` among the watched optimizers (None when not watched)."""
        return next((o.idx for o in self._opts if o.ref() is opt), None)

    def watch_loader(self, loader: Any) -> Any:
        """Time this DataLoader's passes for this monitor (input-bound, TV401), even while a
        monitor created later is live; returns `loader`. Without this, a DataLoader iterated
        while monitors live is timed for the most recently created one."""
        if self.closed:
            return loader
        return self._loaders.watch(loader)

    # public counts for the runner
    def watched_param_ids(self) -> set[int]:
        """id() of every watched parameter."""
        return set(self.inv.index)

    def shards_parameters(self) -> bool:
        """Whether watched parameters are shards (FSDP2 / DTensor): the autograd graph then
        holds FSDP's unsharded copies of them, not parameters of their own."""
        return any(is_dtensor(t) for t in self.inv.tensors)

    def watches_param(self, p: torch.Tensor) -> bool:
        return id(p) in self.inv.index

    def roots(self) -> list[nn.Module]:
        """The watched root modules that are still alive."""
        return self.inv.live_roots()

    def named_roots(self) -> list[tuple[str, nn.Module]]:
        """The live watched roots with their parameters' name prefix."""
        return self.inv.named_roots()

    def backward_passes(self) -> int:
        """Backward passes seen so far, over all watched optimizers."""
        return sum(o.acct.c.backward for o in self._opts)

    def iteration(self) -> int:
        """Iterations (step cycles) of the first optimizer so far; 0 without one."""
        return self._opts[0].acct.c.cycles if self._opts else 0

    def watches(self, obj: Any) -> bool:
        """Whether `obj` is one of this monitor's optimizers, root models, or a sub-module or
        parameter of one."""
        if any(o.ref() is obj for o in self._opts):
            return True
        for root in self.inv.live_roots():
            if root is obj or (isinstance(obj, nn.Module) and any(m is obj for m in root.modules())):
                return True
            if isinstance(obj, torch.Tensor) and any(p is obj for p in root.parameters()):
                return True
        return False

    def observe(
        self,
        pred: torch.Tensor | None = None,
        target: torch.Tensor | None = None,
        loss: torch.Tensor | float | None = None,
        inputs: Any = None,
        *,
        baseline: torch.Tensor | None = None,
        split: str | None = None,
        loss_fn: Any = None,
        loss_counted: bool = False,
    ) -> None:
        """Show torchvitals one batch: the model's output, the target, the loss (all optional).

        Feeds the output-health rules (collapse, trivial baselines, shape and probability
        checks) and the per-epoch metrics. `split` is "train" or "val"; by default "train" when
        gradients are enabled. `baseline` is a persistence prediction for this batch (or give
        `watch(..., baseline=callable)` and pass `inputs`). `loss_fn` (e.g. F.cross_entropy)
        lets the checks know the loss. `loss_counted`: the training loss reaches torchvitals
        another way (a Lightning fit's callback hands over training_step's), so this one only
        judges the loss at init. Nothing is read back to the host here; bad input is reported
        once and skipped, never raised.
        """
        if self.closed or "outputs" in self.disabled or self._in_preflight:
            return
        try:
            split = split or ("train" if torch.is_grad_enabled() else "val")
            if split not in ("train", "val"):
                raise ValueError(f"split must be 'train' or 'val', got {split!r}")
            if baseline is None and callable(self._baseline) and inputs is not None:
                with torch.no_grad():
                    baseline = self._baseline(inputs)
            elif baseline is None and isinstance(self._baseline, torch.Tensor):
                baseline = self._baseline
            sampled = split == "train" and self.sampler.detailed(self._next_it())
            kind = loss_kind(loss_fn)
            if split == "train":
                # A prediction shown here replaces the automatic look at the model's output; a
                # loss alone (Lightning's callback hands over training_step's) does not.
                self._observed = self._observed or pred is not None
                try:
                    self._preflight_loss(pred, target, loss, kind)
                except Exception as exc:
                    self._fail("preflight", exc)
            self._outputs.observe(pred, target, None if loss_counted and split == "train" else loss, baseline, split, sampled, kind)
            if split == "train" and isinstance(target, torch.Tensor):
                self._loss_batch(target, sampled)
            while self._outputs.messages:
                msg = self._outputs.messages.pop(0)
                self.event(msg.pop("kind"), **msg)
                self._tell("on_message", msg["text"])
        except Exception as exc:
            self._fail("outputs", exc)

    def forget_loss(self, split: str) -> None:
        """Take back the split's latest loss shown to observe() (`torchvitals run` chose another
        call site for the split's metrics)."""
        try:
            self._outputs.drop_last_loss(split)
        except Exception as exc:
            self._fail("outputs", exc)

    def other_loss(self, pred: Any, loss_fn: Any) -> None:
        """A training loss computed beside the one observe() is shown (`torchvitals run` sees
        every loss call): on a sampled iteration, which loss it is and what produced its
        prediction go into the record, for the probability checks; no metric is taken."""
        if self.closed or "outputs" in self.disabled or self._in_preflight or not isinstance(pred, torch.Tensor):
            return
        try:
            if self.sampler.detailed(self._next_it()):
                self._outputs.other_loss(pred, loss_kind(loss_fn))
        except Exception as exc:
            self._fail("outputs", exc)

    def close(self) -> Diagnosis:
        """Detach every hook, run the rules on the whole record, write findings.json, print the
        diagnosis (findings first) and return it. Safe to call twice; never raises: whatever
        fails on the way is a note in the diagnosis."""
        if self.diagnosis is not None:
            return self.diagnosis
        trouble: list[str] = []

        def attempt(what: str, fn: Any, *args: Any) -> None:
            try:
                fn(*args)
            except Exception as exc:
                trouble.append(f"closing: {what} failed: {type(exc).__name__}: {exc}")

        attempt("writing the last records", self._complete, 0)
        if self._nograd.ended():  # an evaluation pass at the very end
            attempt("counting the last evaluation pass", self._count_nograd, True, False)
        for o in list(getattr(self, "_manual", [])):
            attempt("the last hand-written update", self._manual_resolve, o)
        attempt("timing the DataLoaders", self._loaders.close)  # reports passes cut short
        self.closed = True
        if self.sampler.cross is not None:
            attempt("closing the exchange with the other ranks", ranks.close_channel, self.sampler.cross.chan)
        for o in self._opts:
            attempt("reading the GradScaler's skips", self._sync_scaler, o)
            o.snap_keep.clear()  # the true update's copy buffers (probes/sample.py): memory back
        attempt("detaching the hooks", self._detach)
        attempt("the end record", self._emit_end)
        try:
            diag = diagnose_history(self.history)
        except Exception as exc:  # a rule bug must not cost the user the run
            diag = Diagnosis(notes=[f"rules failed: {type(exc).__name__}: {exc}"])
        diag.run_dir = self.run_dir
        # A probe switched off has its probe-error event in the record, which the notes come
        # from (as offline); one whose event could not be kept is added here, once.
        for probe, err in self.disabled.items():
            note = f"the {probe} probe failed and was switched off: {err}"
            if note not in diag.notes:
                diag.notes.append(note)
        diag.notes.extend(trouble)
        self.diagnosis = diag
        for sink in self.sinks:
            try:
                sink.close(diag)
            except Exception as exc:
                trouble_note = f"closing: a sink ({type(sink).__name__}) failed: {type(exc).__name__}: {exc}"
                diag.notes.append(trouble_note)
            if sink is self._run_files and self._run_files.error and self._run_files.error not in diag.notes:
                diag.notes.append(self._run_files.error)
        return diag

    def _count_nograd(self, pass_: bool, forward: bool) -> None:
        """Forwards without gradient in train() (probes/nograd.py), for the optimizers of the model."""
        for idx in self._nograd.opts:
            c = self._opts[idx].acct.c
            c.nograd_train_fwd += forward
            c.nograd_train_passes += pass_

    def _emit_end(self) -> None:
        self._emit(
            {
                "type": "end",
                "counters": [o.acct.c.as_dict() for o in self._opts],
                "seconds": round(time.perf_counter() - self._t0, 3),
                "samples": self._samples,
                "disabled": dict(self.disabled),
            },
        )

    def _detach(self) -> None:
        """Take every hook, tap and reducer away; each piece on its own, so that one that fails
        does not leave the others in the user's objects (the first error is raised at the end)."""
        errors: list[Exception] = []

        def undo(fn: Any, *args: Any) -> None:
            try:
                fn(*args)
            except Exception as exc:
                errors.append(exc)

        registry.LIVE.pop(id(self), None)
        undo(self._disarm_preflight)
        undo(unwatch_clip, id(self))
        for h in self._handles:
            undo(h.remove)
        self._handles = []
        undo(self._taps.remove)
        for _, cls in self._hidden:
            undo(unhide_hooks, cls)
        self._hidden = []
        for o in self._opts:
            undo(o.acct.remove)
            o.snapshot = None
            o.params = []
        if self._act is not None:
            undo(self._act.remove)
        self.inv.release()
        if errors:
            raise errors[0]

    def __enter__(self) -> Monitor:
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        if exc is not None:
            self.stopped_by(exc)
        self.close()

    def stopped_by(self, exc: BaseException | str) -> None:
        """Record that the training stopped with an error before its end: the diagnosis then
        says it judged only what came before, instead of calling the run healthy."""
        if self.closed:
            return
        text = exc if isinstance(exc, str) else f"{type(exc).__name__}: {exc}".rstrip(": ")
        self.event("script-error", error=text[:500])
