"""Two small halves of `Monitor` (monitor/core.py), which owns the state they use: closing an
epoch (its record and the epoch line), and naming the run directory (under torchrun, the name
rank 0 chooses and every rank uses)."""

from __future__ import annotations

import os
import time
from typing import Any

from torchvitals import ranks
from torchvitals.probes.sample import OptState
from torchvitals.probes.sums import add_split_sums, split_metrics
from torchvitals.probes.values import gpu_gib, jsonable, metrics
from torchvitals.ranks_epochs import EpochExchange, EpochReport
from torchvitals.record import rounded
from torchvitals.sinks.console import epoch_line


class Epochs:
    """The epoch half of `Monitor`."""

    def epoch_end(self, train: Any = None, val: Any = None, extra: dict[str, Any] | None = None) -> str:
        """Close an epoch: record it and print the compact per-epoch line (its fields: README, 'Reading the console lines').

        `train` / `val` are metric dicts (or a single loss value); `extra` adds model-specific
        tokens (`{"SR": 0.010}` prints `SR=0.010`). Returns the line.
        """
        if self.closed:
            return ""
        self._complete(keep=0)  # the epoch's last records first
        try:
            self._epoch += 1
            now = time.perf_counter()
            last = self._opts[self._last_opt] if self._opts else None
            rec = {
                "type": "epoch",
                "epoch": self._epoch,
                "train": metrics(train) or self._reported.pop("train", {}),
                "val": metrics(val) or self._reported.pop("val", {}),
                "extra": {k: jsonable(v, 3) for k, v in (extra or {}).items()},
                "seconds": round(now - self._epoch_t0, 3),
                "gpu_gib": gpu_gib(self.inv.device),
                "it": last.acct.c.cycles if last else 0,
                # The optimizer that stepped last (a script may make a new one every epoch) and
                # the learning rates its last step used.
                "opt": self._last_opt,
                "lr": [rounded(x) for x in last.step_lr] if last else [],
            }
            rec.update(self._epoch_numbers())
            if self.world > 1:
                rec["batch"] = self._effective_batch(last)
            self._emit(rec)
            self._reported = {}
            self._epoch_samples = 0
            self._batch_size = 0  # the next epoch's largest batch
            self._live_rules()
            self._epoch_t0 = time.perf_counter()  # the next epoch's clock starts after this one's exchange, record and rules
            return epoch_line(self.history, rec)
        except Exception as exc:
            self._fail("epoch", exc)
            return ""

    def report(self, split: str, values: Any) -> None:
        """Metrics a framework reported for the epoch in progress (the Hugging Face Trainer's
        evaluation, under `torchvitals run`): the epoch's `split` metrics when epoch_end() is
        given none, as if it had been. Never raises."""
        try:
            if split in ("train", "val") and not self.closed:
                self._reported[split] = metrics(values)
        except Exception as exc:
            self._fail("epoch", exc)

    def _effective_batch(self, last: OptState | None) -> dict[str, Any]:
        """Per-rank batch × ranks × accumulation (backward passes per step this epoch)."""
        now = (last.acct.c.backward, last.acct.c.steps) if last else (0, 0)
        before = self._epoch_counts.get(id(last), (0, 0))
        self._epoch_counts[id(last)] = now
        passes, steps = now[0] - before[0], now[1] - before[1]
        return {"per_rank": self._batch_size, "world": self.world, "accum": rounded(passes / steps) if steps else None}

    def _epoch_numbers(self) -> dict[str, Any]:
        """The epoch's metrics (computed from the observed batches) and training samples; under
        torchrun, rank 0's are the job's: every rank's sums added up (ranks_epochs.py), and
        `from_ranks` says whose they are."""
        sums, samples = self._epoch_sums(), self._epoch_samples
        exchange = self._epochs_exchange()
        covered = None
        if exchange is not None:
            try:
                if self.rank > 0:
                    wire = {split: [raw, task] for split, (raw, task) in sums.items()}
                    exchange.publish(EpochReport(self.rank, self._epoch, {"sums": wire, "samples": samples}))
                else:
                    got, late = exchange.gather(self._epoch)
                    for rep in got:
                        sums = add_split_sums(sums, rep.numbers.get("sums") or {})
                        samples += int(rep.numbers.get("samples") or 0)
                    covered = [0] + sorted(rep.rank for rep in got)
                    for r in late:
                        self._note_once(f"epoch-rank-{r}", f"rank {r} gave no numbers for epoch {self._epoch} in time: the "
                                        "epoch metrics (TR, VAL, TP) leave it out until it does")
            except Exception as exc:
                self._note_once("epoch-exchange", f"the epochs' numbers could not be exchanged between ranks "
                                f"({type(exc).__name__}: {exc}): each rank's epoch metrics are its own")
        rec: dict[str, Any] = {"samples": samples, "metrics": self._epoch_metrics(sums)}
        if covered is not None:
            rec["from_ranks"] = covered
        return rec

    def _epochs_exchange(self) -> EpochExchange | None:
        """The epochs' exchange with the other ranks: None on one process, without a store, and
        when the ranks do not train one model together (no DDP or FSDP: a sweep launched with
        torchrun, tensor parallelism), whose numbers are not one job's to add up."""
        cross = self.sampler.cross
        if cross is None or self.world <= 1 or cross.chan.store is None or not self._in_step():
            return None
        if self._epoch_exchange is None or self._epoch_exchange.chan is not cross.chan:
            self._epoch_exchange = EpochExchange(cross.chan)
        return self._epoch_exchange

    def _note_once(self, key: str, text: str) -> None:
        if self._epoch_notes.first(key):
            self.event("note", text=text)

    def _epoch_sums(self) -> dict[str, tuple[dict[str, Any], str | None]]:
        if "outputs" in self.disabled:
            return {}
        try:
            return self._outputs.take_epoch_sums()
        except Exception as exc:
            self._fail("outputs", exc)
            return {}

    @staticmethod
    def _epoch_metrics(sums: dict[str, tuple[dict[str, Any], str | None]]) -> dict[str, dict[str, Any]]:
        return {split: {k: rounded(v) for k, v in split_metrics(raw, task).items()} for split, (raw, task) in sums.items()}


class RunNaming:
    """The run directory half of `Monitor`."""

    def _make_run_dir(self) -> tuple[str | None, ranks.Channel | None, str | None]:
        """(run directory, channel to the other ranks, a problem to tell). Under torchrun rank 0
        names the directory and the other ranks learn the name from it (ranks.py)."""
        name, chan, problem = ranks.open_channel(self._free_name, self.opts.dist_timeout)
        if name is None:
            name = self._free_name()
        return (os.path.join(self.opts.out, name) if self.opts.out and name else None), chan, problem

    def _free_name(self) -> str:
        """A run directory name under `out` that no earlier run (of this rank's file) uses."""
        if not self.opts.out:
            return ""
        base = self.opts.name or ranks.default_name()
        if ranks.restart():  # torchrun restarted the job: this attempt's records beside the last one's
            base += f"-restart{ranks.restart()}"
        mine = ranks.run_file(self.rank, self.world)
        name, n = base, 1
        taken = {mine, "run.jsonl", "run.rank0.jsonl"} if self.rank == 0 else {mine}
        while any(os.path.exists(os.path.join(self.opts.out, name, f)) for f in taken):
            n += 1
            name = f"{base}-{n}"
        return name

