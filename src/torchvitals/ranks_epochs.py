"""The exchange of an epoch's numbers between ranks: the sums its metrics are made of (loss,
accuracy, RMSE and baselines, per split) and the samples it trained on, so that rank 0's epoch
record and line are the job's, all ranks' batches together, not rank 0's share of the data.

The same store and the same design as a sampled iteration's exchange (ranks.py): at its epoch's
end a rank > 0 appends its numbers to one key and goes on at once; rank 0, at the same epoch's
end, reads and empties that key and waits only for a rank whose numbers are not there yet: the
ranks call epoch_end at the same point of the same script (`torchvitals run`: when the training
DataLoader starts its next pass; Lightning and the Hugging Face Trainer: their epoch-end hooks,
on every rank), so rank 0 waits for at most the difference between the ranks' clocks there
(which the next all-reduce would have made it wait anyway). A rank that never watches is not
waited for; a rank that watches but has not yet given an epoch's numbers is waited for
FIRST_EPOCH_GRACE seconds (a script may call epoch_end on rank 0 only, as logging often is), one
that has, at most the timeout; one that did not come in time is left out, not waited for again
until its numbers come again, and the record says which ranks an epoch's numbers cover.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any

from torchvitals import ranks

# How long rank 0 waits at an epoch's end for a watching rank that never gave an epoch's numbers.
FIRST_EPOCH_GRACE = 2.0


@dataclass
class EpochReport:
    """One rank's numbers for one epoch: {"sums": {split: [sums, task]}, "samples": n}."""

    rank: int
    epoch: int
    numbers: dict[str, Any]

    def pack(self) -> bytes:
        return json.dumps({"rank": self.rank, "epoch": self.epoch, "numbers": self.numbers}).encode()

    @staticmethod
    def unpack(raw: bytes) -> EpochReport:
        got = json.loads(raw)
        return EpochReport(int(got["rank"]), int(got["epoch"]), dict(got["numbers"]))


@dataclass
class EpochExchange:
    """This monitor's end of the epochs' exchange (rank 0 keeps what it has read)."""

    chan: ranks.Channel
    inbox: dict[tuple[int, int], EpochReport] = field(default_factory=dict)  # (epoch, rank) → read, not yet used
    seen: set[int] = field(default_factory=set)  # ranks that gave an epoch's numbers
    given_up: set[int] = field(default_factory=set)  # not waited for until their numbers come again

    def publish(self, report: EpochReport) -> None:
        """A rank > 0 hands rank 0 its epoch's numbers: one append, no answer awaited."""
        if self.chan.rank != 0:
            ranks.append(self.chan, self.chan.key("epochs"), report.pack())

    def gather(self, epoch: int) -> tuple[list[EpochReport], list[int]]:
        """Rank 0: the other ranks' numbers for `epoch` (reports, ranks waited for in vain)."""
        start, pause = time.monotonic(), 0.001
        while True:
            try:
                self._drain()
            except Exception:
                break  # the store is gone: what is here is all there will be
            waiting = self._waiting(epoch, time.monotonic() - start)
            if not waiting:
                break
            time.sleep(pause)
            pause = min(pause * 2, 0.05)
        got = [self.inbox.pop((epoch, r)) for r in range(1, self.chan.world) if (epoch, r) in self.inbox]
        for key in [k for k in self.inbox if k[0] <= epoch]:
            del self.inbox[key]  # numbers of an epoch rank 0 has passed
        came = {g.rank for g in got}
        self.seen |= came
        expected = [r for r in range(1, self.chan.world) if r not in self.given_up and ranks.present(self.chan, r)]
        late = [r for r in expected if r not in came]
        self.given_up = (self.given_up - came) | set(late)
        return got, late

    def _waiting(self, epoch: int, waited: float) -> list[int]:
        """The ranks still worth waiting for: watching, not given up, not closed, within their time."""
        out = []
        for r in range(1, self.chan.world):
            if (epoch, r) in self.inbox or r in self.given_up or not ranks.present(self.chan, r):
                continue
            if waited >= (self.chan.timeout if r in self.seen else min(self.chan.timeout, FIRST_EPOCH_GRACE)):
                continue
            if ranks.closed(self.chan, r):
                # A rank closes after its last epoch's numbers: read once more before giving up.
                self._drain()
                continue
            out.append(r)
        return out

    def _drain(self) -> None:
        for raw in ranks.take_log(self.chan, self.chan.key("epochs")):
            rep = EpochReport.unpack(raw)
            self.inbox[(rep.epoch, rep.rank)] = rep
