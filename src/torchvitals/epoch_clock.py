"""When an epoch ends under `torchvitals run`, read from the passes over the script's DataLoaders
(probes/loader.py times them; run.py hands their starts and ends here).

The training loader is the first loader whose pass ran to its end while backward passes ran;
each new pass over it ends the epoch before (so the evaluation after a pass belongs to that
pass's epoch), unless it starts under torch.no_grad(): the training set evaluated ("train
accuracy") belongs to the epoch it follows. Most scripts are that: one loader, one `for` loop a
pass.

Some read two training loaders side by side with next(), restarting whichever runs out:
FixMatch and MixMatch draw a labeled and an unlabeled batch every step, for a fixed number of
steps an "epoch", then evaluate. The short loader runs out first and would be taken for the
training loader: an epoch every two steps. Its restart tells: when the training loader starts a
new pass while another loader's pass is still open (its iterator alive) and has handed out a
batch since the training loader's last one, with backward passes since it began, and no
evaluation pass ran since the last backward pass, the loaders are read side by side. From then
on restarts end nothing; an epoch ends when a training loader hands out a batch after an
evaluation pass (one that ran to its end with no backward pass). A script that reads two
loaders side by side and never evaluates gets one epoch: nothing in its loaders says where its
epochs end. `zip(a, b)` is no such case: the zip object, and the longer loader's iterator with
it, is gone when its loop ends; a loader restarted right after an evaluation pass (the outer
loop of a script that reads a second loader inside it) still ends the epoch.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

import torch


class Passes(Protocol):
    """What the clock asks the loader probe (probes/loader.py, LoaderProbe)."""

    on_batch: Callable[[int], None] | None

    def read_beside(self, key: int, backward: int) -> set[int]: ...


@dataclass
class EpochClock:
    """Says when an epoch ends (`end()`), from the loaders' passes; `backward_passes()` counts
    the backward passes so far."""

    end: Callable[[], None]
    backward_passes: Callable[[], int]
    loader: int | None = None  # the training loader (id): its next pass ends the epoch
    side_by_side: set[int] = field(default_factory=set)  # training loaders read side by side
    _evaluated: int | None = None  # backward passes when the latest evaluation pass ended

    def pass_started(self, key: int, passes: Passes) -> None:
        if key != self.loader or self.side_by_side or not torch.is_grad_enabled():
            return  # under no_grad: the training set evaluated ("train accuracy"), within the epoch
        beside = passes.read_beside(key, self.backward_passes())
        if beside and not self._after_evaluation():
            self.side_by_side = {key, *beside}
            passes.on_batch = self.batch_handed
            return
        self.end()

    def pass_ended(self, key: int, backward_at_start: int) -> None:
        n = self.backward_passes()
        if n == backward_at_start:
            self._evaluated = n
        elif self.loader is None:
            self.loader = key

    def batch_handed(self, key: int) -> None:
        """A batch of loader `key`, once training loaders are read side by side."""
        if key in self.side_by_side and self._after_evaluation() and torch.is_grad_enabled():
            self._evaluated = None
            self.end()

    def trains(self, key: int) -> bool:
        """Whether loader `key` is a training loader (as far as the passes so far tell)."""
        return key == self.loader or key in self.side_by_side

    def _after_evaluation(self) -> bool:
        """Whether an evaluation pass ended since the last backward pass."""
        return self._evaluated is not None and self._evaluated == self.backward_passes()
