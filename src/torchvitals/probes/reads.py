"""The host read of a sampled iteration: every device number the record needs (norms, counts,
fingerprints, the GradScaler's skips, the output checks) in one flat buffer, copied once.

On CUDA the copy goes into pinned host memory with `non_blocking=True` and a CUDA event is
recorded after it: nothing waits for the GPU. The record is completed once the event has
completed, which the Monitor checks without blocking at its next hook (at the latest when the
next sample is taken, at an epoch boundary, or at close()). On CPU the same code copies
synchronously and the record is completed at once, unless deferral is forced (the `reads`
option, for tests: the deferred path must give the same record).

    reads = Reads()
    g = reads.floats(grad_norms)           # a slot: where these numbers will be
    fp = reads.ints(fingerprint)           # int64, bit-for-bit
    ticket = reads.start(defer=True)
    ...
    if ticket.ready():
        ticket.get(g)                      # list[float]
"""

from __future__ import annotations

import torch

Slot = tuple[int, int, bool]  # (start, length, int64?)


class Reads:
    """Device numbers gathered for one host read."""

    def __init__(self) -> None:
        self._floats: list[torch.Tensor] = []
        self._ints: list[torch.Tensor] = []
        self._nf = 0
        self._ni = 0

    def floats(self, t: torch.Tensor) -> Slot:
        """Add a tensor's values (read as float64)."""
        flat = t.detach().reshape(-1)
        self._floats.append(flat)
        slot = (self._nf, flat.numel(), False)
        self._nf += flat.numel()
        return slot

    def ints(self, t: torch.Tensor) -> Slot:
        """Add an int64 tensor's values, exactly (they travel as the bits of float64s)."""
        flat = t.detach().reshape(-1).to(torch.int64)
        self._ints.append(flat)
        slot = (self._ni, flat.numel(), True)
        self._ni += flat.numel()
        return slot

    def start(self, defer: bool = False) -> Ticket:
        """Start the copy: non-blocking into pinned memory on CUDA, synchronous elsewhere.
        `defer` keeps the ticket not-ready until the first `ready()` call even on CPU."""
        parts = self._floats + self._ints
        if not parts:
            return Ticket(None, None, 0, False)
        device = parts[0].device
        flat = [t.to(device=device, dtype=torch.float64) for t in self._floats]
        flat += [t.to(device).view(torch.float64) for t in self._ints]
        buf = torch.cat(flat) if len(flat) > 1 else flat[0]
        if buf.is_cuda:
            host = torch.empty(buf.shape, dtype=buf.dtype, pin_memory=True)
            host.copy_(buf, non_blocking=True)
            event = torch.cuda.Event()
            event.record()
            return Ticket(host, event, self._nf, True)
        if defer and buf.data_ptr() == parts[0].data_ptr():  # still the caller's tensor: copy it now
            buf = buf.clone()
        return Ticket(buf, None, self._nf, defer)


class Ticket:
    """A host read under way."""

    def __init__(self, host: torch.Tensor | None, event: torch.cuda.Event | None, nf: int, deferred: bool) -> None:
        self._host = host
        self._event = event
        self._nf = nf
        self._deferred = deferred
        self._values: tuple[list[float], list[int]] | None = None

    @property
    def deferred(self) -> bool:
        """Whether the record waits for this read (a CUDA copy, or deferral forced on CPU)."""
        return self._deferred

    def ready(self) -> bool:
        """Whether the numbers are on the host (never blocks)."""
        return self._event is None or bool(self._event.query())

    def get(self, slot: Slot) -> list[float] | list[int]:
        """The values of one slot (waits for the copy if it is still under way)."""
        floats, ints = self._read()
        start, n, is_int = slot
        return (ints if is_int else floats)[start : start + n]

    def _read(self) -> tuple[list[float], list[int]]:
        if self._values is None:
            if self._event is not None:
                self._event.synchronize()
            host = self._host
            if host is None:
                self._values = ([], [])
            else:
                self._values = (host[: self._nf].tolist(), host[self._nf :].view(torch.int64).tolist())
        return self._values


def to_device(values: list[float], device: torch.device) -> torch.Tensor:
    """Host numbers as a float32 vector on `device`; on CUDA through pinned memory without
    blocking (a plain copy of Python numbers would wait for the GPU's queue)."""
    t = torch.tensor(values, dtype=torch.float32)
    if device.type == "cuda":
        return t.pin_memory().to(device, non_blocking=True)
    return t.to(device)
