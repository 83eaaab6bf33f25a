"""Forwards without gradient of a model in train() mode, in runs: which runs are evaluation
passes (the monitor counts them per optimizer; rules/steps.py, TV606, judges).

A run is the forwards without gradient since the last training forward; it is an evaluation
pass once it has EVAL_PASS_MIN forwards, except while all of them are on one batch a DataLoader
handed out since the last training forward. Such a run is decided by the training forward that
ends it: on that same batch, the run was part of the training iteration (MixMatch guesses labels
for its unlabeled batch with two forwards in train() mode, then trains on it); on another batch,
it was an evaluation after all, as it is when none comes before the watching ends. Forwards on
tensors in memory (no new batch handed out since the last training forward) and forwards over
an evaluation loader's batches count at once."""

from __future__ import annotations

from torchvitals.probes.handed import HANDED
from torchvitals.probes.steps import EVAL_PASS_MIN


class NogradRuns:
    """The current run of forwards without gradient in train() mode."""

    def __init__(self) -> None:
        self.length = 0  # forwards in the run (0: none since the last training forward)
        self.opts: list[int] = []  # the optimizers of the model the run's last forward ran
        self._serial = 0  # HANDED.serial at the run's first forward
        self._counted = False  # the run was counted as an evaluation pass
        self.trained_at = HANDED.serial  # HANDED.serial at the latest training forward

    def forward(self, opts: list[int]) -> bool:
        """A forward without gradient of a model in train() with dropout or batch norm, whose
        optimizers are `opts`; True when it makes the run an evaluation pass."""
        self.length += 1
        self.opts = opts
        serial = HANDED.serial
        if self.length == 1:
            self._serial, self._counted = serial, False
        if self._counted or self.length < EVAL_PASS_MIN or (serial == self._serial != self.trained_at):
            return False
        self._counted = True
        return True

    def training_forward(self) -> bool:
        """A training forward (it ends the run, if any; the monitor calls this only when there is
        a run or a batch was handed out since `trained_at`); True when the run was an evaluation
        pass after all: it stayed on a batch handed out for it, and this forward trains on another."""
        serial = HANDED.serial
        late = self._waiting() and serial != self._serial
        self.trained_at = serial
        self.length = 0
        return late

    def ended(self) -> bool:
        """The watching ends: True when a run still waiting for a training forward was an
        evaluation pass (none came)."""
        pending = self._waiting()
        self.length = 0
        return pending

    def _waiting(self) -> bool:
        """Whether the run is long enough for an evaluation pass and waits for its decision."""
        return self.length >= EVAL_PASS_MIN and not self._counted
