"""The record half of `Monitor` (monitor/core.py), which owns the state it uses: measuring a
sampled iteration, starting the one host read of its device numbers (probes/reads.py), writing
the step record when the numbers are there (at once on CPU, at a later hook on CUDA), and the
live rules that judge the record as it grows."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from torchvitals import ranks
from torchvitals.findings import severity_rank
from torchvitals.probes.attach import WeakHook
from torchvitals.probes.batches import batch_fields
from torchvitals.probes.cross_rank import CrossRank
from torchvitals.probes.reads import Reads, Ticket
from torchvitals.probes.sample import OptState
from torchvitals.record import rounded
from torchvitals.rules import evaluate

# Live rule evaluation: after each of the first records, then at most every 10th and only
# once the wall time since the last pass is 100x what that pass took. Rules rescan the history,
# so a pass costs more as a run grows: a fixed cadence made every=1 cost more with each
# thousand steps (1.4x at 1,000 steps, 2.3x at 8,000 on a small MLP); the time budget keeps the
# rules at about 1% of the run however long it is. Findings are the same: each names the
# iteration its evidence came from, and close() judges the whole record.
_LIVE_RULES_DENSE = 50
_LIVE_RULES_EVERY = 10
_LIVE_RULES_SHARE = 0.01


# Records whose host read may be on its way at once (CUDA). With every=1 the CPU usually runs an
# iteration or two ahead of the GPU: waiting for the previous copy at each sample would stall
# every step; a record waits only when this many are queued behind it.
MAX_IN_FLIGHT = 4

# With every=1 on the CPU, once the first _LIVE_RULES_DENSE records are written (the live rules
# run every 10th record or less often from then on), step records are completed ten at a time:
# their numbers are read and copied when their iteration ends, then turned into fields, judged
# and written in one go. The same Python run ten times in a row finds its code and data in the
# caches that a training step's kernels emptied in between: 0.2-0.25 ms a step less on a 0.8M
# MLP (an 8-9 ms step). Live findings come at most HOLD - 1 records later, with their exact
# iteration numbers; an epoch's end, a new parameter group (wiring.py), a record that is not a
# step's (gradients piling up with no step) and close() write everything held at once.
HOLD = 10


@dataclass
class Unread:
    """A record whose device numbers are on their way to the host. Under torchrun rank 0 also
    waits for the other ranks' numbers (`awaits_ranks`): it combines them when its next sample
    is taken, by which time they have been published, instead of waiting for them now (rank
    0 would stall the job on every sampled iteration while the others measure theirs)."""

    o: OptState
    p: dict[str, Any]
    rec: dict[str, Any]
    plan: dict[str, Any] | None
    out: dict[str, Any] | None
    batches: tuple[Any, Any] | None
    scaler: Any
    tail: dict[str, Any]
    ticket: Ticket
    awaits_ranks: bool = False

    def arrived(self) -> bool:
        """Whether every number the record needs is here (never blocks)."""
        return not self.awaits_ranks and self.ticket.ready()


class Records:
    """The record half of `Monitor`."""

    # ------------------------------------------------------------------ the record
    def _measure(self, o: OptState, it: int) -> None:
        if "gradients" in self.disabled or not o.params:
            o.pending = {"it": it}
            return
        try:
            self.sampler.measure(o, it)
        except Exception as exc:
            o.pending = {"it": it}
            self._fail("gradients", exc)

    def _record(self, o: OptState, stepped: bool, reason: str) -> None:
        """Start the host read of the iteration's device numbers (one copy, probes/reads.py)
        and complete the record when it is there: at once on CPU (with every=1, HOLD at a time),
        at a later hook on CUDA; under torchrun, on rank 0, when the next iteration is sampled
        (the other ranks' numbers)."""
        self._holding = self._holds()
        if not self._holding:
            self._complete(keep=MAX_IN_FLIGHT - 1)  # the oldest written first if too many are on their way
        p = o.pending or {"it": o.acct.c.cycles}
        for u in self._inflight:  # the other ranks have published the earlier iterations' by now
            u.awaits_ranks = u.awaits_ranks and u.rec["it"] >= p["it"]
        o.pending = None
        rec: dict[str, Any] = {"type": "step", "opt": o.idx, "it": p["it"], "stepped": stepped, "reason": reason}
        if self._late_channel and ranks.initialized():
            self._late_channel = False
            _, chan, _ = ranks.open_channel(None, self.opts.dist_timeout)
            if chan is not None:
                self.sampler.cross = CrossRank(chan, WeakHook(self, "event"), WeakHook(self, "_in_step"))
        if self._first_record_pending:
            self._first_record_pending = False
            if self.world > 1:
                self._late_wrapper()
            self._late_departures()
        acts = self._act.collect() if o.idx == 0 and self._act is not None else []
        if self._batch_opt is None:
            self._batch_opt = o.idx
        batch = source = None  # the input's fingerprints ride on one optimizer's records
        if o.idx == self._batch_opt:
            batch, source, self._batch_fp, self._source = self._batch_fp, self._source, None, None
        reads = Reads()
        plan = self.sampler.gather(o, p, acts, reads, batch, self._clips.pop(o.idx, None), source)
        out = None
        if o.idx == 0 and "outputs" not in self.disabled:
            try:
                out = self._outputs.take_interval(reads)
            except Exception as exc:
                self._fail("outputs", exc)
            self._observed = False
        batches = None
        if o.idx == 0 and "batches" not in self.disabled:
            try:
                scale, self._scale = self._scale, None
                batches = (self._sizes.snapshot(), None if scale is None else (scale[0], reads.floats(scale[1]), scale[2]))
            except Exception as exc:
                self._fail("batches", exc)
        scaler = reads.floats(o.scaler_infs) if o.scaler_infs is not None else None
        tail = {"train": self.inv.train_mode(), "counters": o.acct.c.as_dict()}
        o.acct.alarms_seen = o.acct.alarms()
        tail["samples"] = self._samples
        tail["time"] = round(time.perf_counter() - self._t0, 3)
        # A held record's numbers are copied now (deferred), as the CUDA path copies them.
        ticket = reads.start(defer=self.opts.reads == "defer" or self._holding)
        later = plan is not None and plan.get("cross") is not None and self.rank == 0 and self.opts.reads != "sync"
        self._inflight.append(Unread(o, p, rec, plan, out, batches, scaler, tail, ticket, later))
        if self._holding:
            if len(self._inflight) >= HOLD or reason != "step":
                self._complete(keep=0)
        elif not ticket.deferred or self.opts.reads == "sync":
            self._complete(keep=1 if later else 0)

    def _holds(self) -> bool:
        """Whether this record waits to be completed with others (HOLD: every=1 on one CPU
        process, past the first records)."""
        return (
            self.opts.every == 1
            and self.opts.reads == "auto"
            and self.world == 1
            and self._records >= _LIVE_RULES_DENSE
            and self.inv.device.type == "cpu"
        )

    def _complete(self, keep: int | None = None) -> None:
        """Write, in order, the records whose numbers have arrived; with `keep`, also wait for
        the oldest ones until at most `keep` are still on their way (0: all written). Records
        held to be completed together (HOLD) wait for a `keep`."""
        if keep is None and self._holding:
            return
        while self._inflight and (self._inflight[0].arrived() or (keep is not None and len(self._inflight) > keep)):
            u = self._inflight.pop(0)
            try:
                self._write_record(u)
            except Exception as exc:
                self._fail("steps", exc)

    def _write_record(self, u: Unread) -> None:
        o, rec = u.o, u.rec
        rec.update(self.sampler.finish(o, u.p, u.plan, u.ticket, rec["stepped"]))
        if u.out is not None:
            try:
                out = self._outputs.interval_fields(u.out, u.ticket)
                if out:
                    rec["out"] = {k: v if isinstance(v, str) else rounded(v) for k, v in out.items()}
                if u.out.get("others"):
                    rec["other_losses"] = u.out["others"]
            except Exception as exc:
                self._fail("outputs", exc)
        if u.batches is not None:
            try:
                counts, scale = u.batches
                if scale is not None:
                    scale = (scale[0], u.ticket.get(scale[1]), scale[2])
                rec.update(batch_fields(counts, scale))
            except Exception as exc:
                self._fail("batches", exc)
        if u.scaler is not None:
            o.acct.c.scaler_skips = u.tail["counters"]["scaler_skips"] = int(u.ticket.get(u.scaler)[0])
        rec.update(u.tail)
        self._emit(rec)
        self._records += 1
        n = self._records
        if n <= _LIVE_RULES_DENSE or (
            n - self._rules_at >= _LIVE_RULES_EVERY and time.perf_counter() >= self._rules_due
        ):
            self._live_rules()

    def _sync_scaler(self, o: OptState) -> None:
        """Read the device count of GradScaler skips (at close)."""
        if o.scaler_infs is not None:
            o.acct.c.scaler_skips = int(o.scaler_infs.item())

    def _live_rules(self) -> None:
        if "rules" in self.disabled or self.rank != 0:  # under torchrun rank 0 judges the job
            return
        t0 = time.perf_counter()
        try:
            found, _ = evaluate(self.history)
        except Exception as exc:
            self._fail("rules", exc)
            return
        t1 = time.perf_counter()
        self._rules_at, self._rules_due = self._records, t1 + (t1 - t0) / _LIVE_RULES_SHARE
        for f in found:
            seen = self.findings.get(f.key)
            # New, or worse than when it was last told: a finding that grows from info to a
            # warning is printed when it does.
            if seen is not None and severity_rank(f.severity) <= severity_rank(seen.severity):
                continue
            self.findings[f.key] = f
            self._emit({"type": "event", "kind": "finding", "finding": f.to_dict()})
            self._tell("on_finding", f)

