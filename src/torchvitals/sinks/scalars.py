"""What the dashboard sinks (TensorBoard, W&B, MLflow, a Lightning or Hugging Face logger) show:
scalars named by tag, at an iteration, and findings as text.

`ScalarSink` turns each record into `{tag: value}` at its iteration and hands it to `write`;
findings and the final verdict go to `text`. A dashboard sink is one small class that
implements `write`, `text` and `finish` for its library. It takes the numbers from the record
and from the History's derived statistics (record.py, stats.py): it never computes one.

Tags (all under `torchvitals/`; with several optimizers, `opt<K>/` follows the prefix). No tag
is the path prefix of another (MLflow's file store keeps a tag as a path):

- `grad_norm/total` (the global gradient norm the step applied, after clipping),
  `grad_norm/preclip` (what `clip_grad_norm_` measured before clipping);
- `bucket_grad_norm/<bucket>`, `bucket_update_ratio/<bucket>` (lr·‖g‖/‖w‖ of the bucket's
  parameters), `bucket_true_update_ratio/<bucket>` (‖Δw‖/‖w‖, on iterations that measure it);
  the root module's own parameters are bucket `root`;
- `loss/train` (the mean training loss since the previous record), `lr/group0`;
- `steps/taken`, `steps/skipped`, `steps/uncleared`, `steps/scheduler` (counters, cumulative);
- per epoch: `epoch/<split>/<metric>` (what torchvitals measured from the batches it saw:
  loss, acc, rmse, … and the trivial baselines `base_loss`, `base_acc`, `base_rmse`,
  `persist_rmse`), `epoch/<split>/reported/<metric>` (what the script passed to
  `epoch_end`), `epoch/seconds`, `epoch/samples`.

No histograms: scalars only.
"""

from __future__ import annotations

import math
from typing import Any

from torchvitals.findings import Diagnosis, Finding
from torchvitals.record import History

PREFIX = "torchvitals/"
_COUNTERS = {"steps": "steps/taken", "skipped": "steps/skipped", "uncleared": "steps/uncleared", "sched_steps": "steps/scheduler"}


def _put(out: dict[str, float], tag: str, value: Any) -> None:
    if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
        out[tag] = float(value)


def _opt_prefix(history: History, rec: dict[str, Any]) -> str:
    return PREFIX + (f"opt{rec.get('opt', 0)}/" if len(history.optimizers) > 1 else "")


def step_scalars(history: History, rec: dict[str, Any]) -> dict[str, float]:
    """The scalars of one step record (a sampled iteration)."""
    out: dict[str, float] = {}
    p = _opt_prefix(history, rec)
    if rec.get("g"):
        d = history.derived(rec)
        _put(out, p + "grad_norm/total", d.total)
        for kind, values in (("grad_norm", d.buckets), ("update_ratio", d.bucket_ur), ("true_update_ratio", d.bucket_tr)):
            for bucket, v in values.items():
                _put(out, f"{p}bucket_{kind}/{bucket or 'root'}", v)
    clip = rec.get("clip")
    if isinstance(clip, dict):
        _put(out, p + "grad_norm/preclip", clip.get("pre"))
    lrs = rec.get("lr")
    if isinstance(lrs, list) and lrs:
        _put(out, p + "lr/group0", lrs[0])
    o = rec.get("out")
    if isinstance(o, dict):
        _put(out, p + "loss/train", o.get("loss"))
    counters = rec.get("counters")
    if isinstance(counters, dict):
        for key, tag in _COUNTERS.items():
            _put(out, p + tag, counters.get(key))
    return out


def epoch_scalars(rec: dict[str, Any]) -> dict[str, float]:
    """The metrics and baselines of one epoch record, per split."""
    out: dict[str, float] = {}
    measured = rec.get("metrics") if isinstance(rec.get("metrics"), dict) else {}
    for split in ("train", "val"):
        for key, value in (measured.get(split) or {}).items():
            _put(out, f"{PREFIX}epoch/{split}/{key}", value)
        reported = rec.get(split)
        if isinstance(reported, dict):
            for key, value in reported.items():
                _put(out, f"{PREFIX}epoch/{split}/reported/{key}", value)
    _put(out, PREFIX + "epoch/seconds", rec.get("seconds"))
    _put(out, PREFIX + "epoch/samples", rec.get("samples"))
    return out


def finding_text(f: Finding) -> str:
    """One finding as a few lines of plain text: what, where, since when, the fix."""
    lines = [f"{f.severity.upper()} {f.name}: {f.message}"]
    if f.where:
        lines.append("where: " + ", ".join(str(w) for w in f.where[:20]) + (" …" if len(f.where) > 20 else ""))
    if f.step is not None:
        lines.append(f"since iteration {f.step}")
    if f.fix:
        lines.append("fix: " + f.fix)
    return "\n".join(lines)


class ScalarSink:
    """A Sink (see sinks/base.py) for a dashboard: subclasses implement `write`, `text` and
    `finish`. Step and epoch records become scalars at their iteration; each finding, when
    first seen or worse, becomes text; at close, the verdict and every finding."""

    # A dashboard that keeps text in one slot per tag (W&B's summary, an MLflow artifact)
    # receives every finding so far at each new one; one that keeps a text per step, just it.
    text_slots = False

    def __init__(self) -> None:
        self.last_it = 0
        self.finding_texts: list[str] = []

    # -- what a dashboard implements ------------------------------------------------------
    def write(self, scalars: dict[str, float], step: int) -> None:
        raise NotImplementedError

    def text(self, tag: str, text: str, step: int) -> None:
        raise NotImplementedError

    def finish(self) -> None:
        """Flush and release the dashboard's run (only what this sink opened itself)."""

    # -- the Sink protocol ----------------------------------------------------------------
    def on_record(self, history: History, rec: dict[str, Any]) -> None:
        kind = rec.get("type")
        it = rec.get("it")
        if isinstance(it, int):
            self.last_it = max(self.last_it, it)
        if kind == "step":
            scalars = step_scalars(history, rec)
        elif kind == "epoch":
            scalars = epoch_scalars(rec)
        else:
            return
        if scalars:
            self.write(scalars, it if isinstance(it, int) else self.last_it)

    def on_message(self, text: str) -> None:
        pass  # notes reach the run directory and the console; a dashboard shows findings

    def on_finding(self, finding: Finding) -> None:
        self.finding_texts.append(finding_text(finding))
        text = "\n\n".join(self.finding_texts) if self.text_slots else self.finding_texts[-1]
        self.text(PREFIX + "findings", text, self.last_it)

    def close(self, diag: Diagnosis) -> None:
        try:
            self.text(PREFIX + "diagnosis", str(diag), self.last_it)
        finally:
            self.finish()
