"""Guards: explicit, opt-in interventions in a live training loop.

Probes and rules only watch; a guard acts. Each one is called from the user's loop, prints one
grep-able tagged line per intervention to stderr, and, when a live monitor watches the object it
acts on, counts the intervention in the run record (`Monitor.event`). Without a monitor a guard
works the same, standalone. A guard never raises into the training loop on odd input (empty or
NaN predictions, a batch of one, no gradients): it prints one clear line and carries on.

    guard = DegeneracyGuard(model.head)            # predictions that collapse to a constant
    loss = loss_fn(pred, y) + guard.penalty(pred)
    guard.check(pred)                              # resets the head when the spread is gone

    if step_gate(opt, scaler):                     # step unless the norm is inf/NaN/0
        sched.step()                               # ...or let GatedScheduler decide

Tags: [DEGENERACY-GUARD], [STEP-GATE], [SCHED-GATE].

The guards live one per module: degeneracy.py, step_gate.py, scheduler_gate.py; common.py holds
the tagged line, the run-record event and the knobs they share.
"""

from torchvitals.guards.common import _say  # noqa: F401 (the tagged line, also for tests)
from torchvitals.guards.degeneracy import DegeneracyGuard
from torchvitals.guards.scheduler_gate import GatedScheduler
from torchvitals.guards.step_gate import GateStats, gate_stats, step_gate

__all__ = ["DegeneracyGuard", "GateStats", "GatedScheduler", "gate_stats", "step_gate"]
