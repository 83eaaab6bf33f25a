"""Options: keyword arguments first, then `TORCHVITALS_<NAME>` environment variables, then defaults.

Every knob a user can set in code can also be set from the environment, so monitoring can be
tuned for a job whose source nobody wants to edit (seed 000 ran with GRAD_MONITOR_EVERY=500).
"""

from __future__ import annotations

import dataclasses
import math
import os
import warnings
from dataclasses import dataclass, field
from typing import Any

ENV_PREFIX = "TORCHVITALS_"


@dataclass
class Options:
    """All monitor knobs, with their defaults. Each is also read from TORCHVITALS_<NAME>."""

    # Master switch: TORCHVITALS_ENABLED=0 turns watch() into a no-op monitor.
    enabled: bool = True
    # Sample gradients/updates every N iterations (seed 000 used 200-500; 50 keeps overhead ~1%).
    every: int = 50
    # The first N iterations are always sampled: structural faults show at once.
    warmup: int = 5
    # The dearer half of a sample: the true update ‖Δw‖ (a copy of every parameter and two more
    # passes over them), the output value checks and the activation probes. On a 3M-parameter
    # transformer this costs as much as the gradient and weight norms together, so it is taken
    # on sampled iterations at most every N iterations (and always in the warm-up): with
    # every=1, gradient norms every step and the rest every 10th. At the default every=50 it
    # changes nothing.
    detail_every: int = 10
    # The true update needs a copy of the parameters taken before the step. At most this many
    # MiB are copied per detailed iteration: a larger model is measured in turns (each detailed
    # iteration copies the next parameters that fit), so a sampled step never needs more than
    # this much extra memory; a single parameter larger than this is not measured. Parameters
    # without a gradient at that step are never copied. 0 = no true update.
    snapshot_mb: float = 512.0
    # Print the tagged lines ([GRAD-MONITOR], [STEP], [ENCODER-GRAD]) at the first sampled
    # iteration of every N (seed 000's GRAD_MONITOR_EVERY default); 0 = off.
    log_every: int = 200
    # Bucket depth: a bucket is the module path prefix of this many components.
    depth: int = 1
    # Gradient norm below which a bucket counts as vanishing (seed 000's GRAD_MONITOR_WARN_NORM).
    warn_norm: float = 1e-7
    # Global gradient norm above which gradients count as exploding.
    explode_norm: float = 1e4
    # Module names (fnmatch patterns allowed) whose output gradient is measured (seed 000's
    # "encoder gradient hooks"). Opt-in: an empty list measures none.
    probe: list[str] = field(default_factory=list)
    # Automatic output mode: "auto" looks at the model's output on sampled iterations when
    # observe() is not used (a tensor, "logits" of a dict, the first of a tuple); a name picks
    # that entry of a dict/tuple output; "" switches it off.
    outputs: str = "auto"
    # Backward passes without any optimizer step after which steps count as skipped (gradient
    # accumulation over more micro-batches than this would need a larger value).
    max_accum: int = 16
    # Run directory for run.jsonl and findings.json; "" = no files written.
    out: str = "torchvitals-runs"
    # A name for the run directory; default: a timestamp. Under torchrun every rank writes
    # run.rank<K>.jsonl into the one directory rank 0 names.
    name: str = ""
    # Under torchrun: how long rank 0 waits for another rank's numbers of a sampled iteration
    # before it stops waiting for that rank (a rank that died, or whose iterations no longer line
    # up). Under DDP the ranks are at most an iteration apart, so only such a rank ever costs it.
    dist_timeout: float = 60.0
    # Where else to report, besides the console and the run directory: "tensorboard", "wandb",
    # "mlflow" (TORCHVITALS_SINKS=tensorboard,wandb), or Sink objects given to watch(sinks=[...]).
    # Scalars and findings only (see sinks/scalars.py); only rank 0 reports under torchrun.
    sinks: list[Any] = field(default_factory=list)
    # For each DataLoader with workers, read one item in forked copies of the process set up as
    # torch sets up workers (two at its first pass, one at its second), to tell whether the
    # Dataset's randomness repeats across workers or epochs (repeated-randomness, TV605);
    # 0 = never fork for it.
    loader_rng: bool = True
    # Print findings and lines to the console (stderr).
    console: bool = True
    # Print each finding the moment it is first seen (otherwise only in the final diagnosis).
    live: bool = True
    # How a sampled iteration's numbers reach the host (probes/reads.py): "auto" copies them
    # without blocking on CUDA and completes the record when the copy is done (at a later hook);
    # "sync" waits for the copy at once; "defer" also defers on CPU (for tests of the CUDA path).
    reads: str = "auto"
    # On the first training batch, run the cheap preflight checks once (checks/first_batch.py):
    # batch-mixing, dropout still active in eval(), and the loss at init judged from the first
    # loss the script computes. A few extra forward passes of one batch; nothing is changed.
    preflight: bool = True


_FIELDS = {f.name: f for f in dataclasses.fields(Options)}
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def _parse(name: str, raw: str, default: Any) -> Any:
    var = f"{ENV_PREFIX}{name.upper()}={raw!r}"
    if isinstance(default, bool):
        low = raw.strip().lower()
        if low in _TRUE:
            return True
        if low in _FALSE:
            return False
        raise ValueError(f"{var} (expected 1/0, true/false)")
    if isinstance(default, (int, float)):
        try:
            value = float(raw)
        except ValueError:
            raise ValueError(f"{var} (expected a number)") from None
        return int(value) if isinstance(default, int) else value
    if isinstance(default, list):
        return [s.strip() for s in raw.split(",") if s.strip()]
    return raw


def from_env(name: str, default: Any, stacklevel: int = 3) -> Any:
    """TORCHVITALS_<NAME> parsed like `default` (bool, int, float, list, str); unset → default.
    A malformed value must not stop the job: it warns and returns the default."""
    raw = os.environ.get(ENV_PREFIX + name.upper())
    if raw is None:
        return default
    try:
        value = _parse(name, raw, default)
        if isinstance(value, float) and not math.isfinite(value):
            raise ValueError(f"{ENV_PREFIX}{name.upper()}={raw!r} (expected a finite number)")
        return value
    except ValueError as exc:
        warnings.warn(f"torchvitals: ignoring {exc}; using {name}={default!r}", stacklevel=stacklevel)
        return default


def resolve(**kwargs: Any) -> Options:
    """Build Options from keyword arguments, then TORCHVITALS_* variables, then defaults.

    Unknown keyword arguments raise TypeError naming the valid ones; a malformed environment
    value raises ValueError naming the variable.
    """
    fields = {f.name: f for f in dataclasses.fields(Options)}
    unknown = sorted(set(kwargs) - set(fields))
    if unknown:
        raise TypeError(f"unknown torchvitals option(s) {unknown}; valid: {sorted(fields)}")
    defaults = Options()
    values: dict[str, Any] = {}
    for name in fields:
        if name in kwargs and kwargs[name] is not None:
            value = kwargs[name]
            if name in ("probe", "sinks") and isinstance(value, str):
                value = [v.strip() for v in value.split(",") if v.strip()] if name == "sinks" else [value]
            if name == "out" and value is False:
                value = ""
            values[name] = value
            continue
        if ENV_PREFIX + name.upper() in os.environ:
            values[name] = from_env(name, getattr(defaults, name), stacklevel=4)
    opts = Options(**values)
    opts.sinks = _sink_names(opts.sinks, from_keyword="sinks" in kwargs and kwargs["sinks"] is not None)
    for name in ("every", "warmup", "detail_every", "depth", "max_accum"):
        if getattr(opts, name) < (0 if name == "warmup" else 1):
            raise ValueError(f"torchvitals option {name} must be positive, got {getattr(opts, name)}")
    if opts.reads not in READ_MODES:
        raise ValueError(f"torchvitals option reads must be one of {', '.join(READ_MODES)}, got {opts.reads!r}")
    if not (isinstance(opts.snapshot_mb, (int, float)) and math.isfinite(opts.snapshot_mb) and opts.snapshot_mb >= 0):
        raise ValueError(f"torchvitals option snapshot_mb must be a number >= 0, got {opts.snapshot_mb!r}")
    return opts


SINK_NAMES = ("tensorboard", "wandb", "mlflow")
READ_MODES = ("auto", "sync", "defer")


def _sink_names(sinks: list[Any], from_keyword: bool) -> list[Any]:
    """Sink names checked (a Sink object passes as it is): an unknown name given in code raises,
    one from the environment is left out with a warning (it must not stop the job)."""
    out: list[Any] = []
    for s in sinks:
        if not isinstance(s, str):
            out.append(s)
        elif s.lower() in SINK_NAMES:
            out.append(s.lower())
        elif from_keyword:
            raise ValueError(f"unknown torchvitals sink {s!r}; valid: {', '.join(SINK_NAMES)} or a Sink object")
        else:
            warnings.warn(f"torchvitals: ignoring sink {s!r} in {ENV_PREFIX}SINKS; valid: {', '.join(SINK_NAMES)}", stacklevel=4)
    return out


def default(name: str) -> Any:
    """The default of option `name`, as the Options dataclass declares it."""
    f = _FIELDS[name]
    return f.default if f.default is not dataclasses.MISSING else f.default_factory()  # type: ignore[misc]


def option(history: Any, name: str) -> Any:
    """Option `name` as the run recorded it in its header (`history.header["options"]`), cast
    like its default; the Options default when the run did not record it. What rules and sinks
    read instead of repeating a default. Remembered per header (`history.options_seen`): the
    rules ask for the same few options at every record."""
    header = history.header
    seen = getattr(history, "options_seen", None)
    if seen is None or seen[0] is not header:
        seen = (header, {})
        try:
            history.options_seen = seen
        except AttributeError:  # not a History: works it out every time
            pass
    if name not in seen[1]:
        value = header.get("options", {}).get(name)
        fallback = default(name)
        if value is not None and isinstance(fallback, (int, float)) and not isinstance(fallback, bool):
            value = type(fallback)(value)
        seen[1][name] = fallback if value is None else value
    return seen[1][name]


def describe() -> list[tuple[str, str, str]]:
    """(variable, default, meaning) for each option, for --help texts and the README."""
    rows = []
    for f in dataclasses.fields(Options):
        rows.append((ENV_PREFIX + f.name.upper(), repr(default(f.name)), f.name))
    return rows
