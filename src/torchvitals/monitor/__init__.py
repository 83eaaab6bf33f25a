"""`watch()` and the Monitor (see ARCHITECTURE.md): core.py wires and records, hooks.py holds
the entry points from torch, registry.py keeps the live monitors, live.py is `watch()`."""

from torchvitals.monitor.core import Monitor
from torchvitals.monitor.live import watch
from torchvitals.registry import monitor_for

__all__ = ["Monitor", "monitor_for", "watch"]
