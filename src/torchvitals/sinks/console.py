"""Console sink: findings first (rich), grep-able tagged lines, and seed 001's per-epoch line.
A sink formats what the record holds; it computes nothing new.

Every line reaches the terminal through `say` or `print_diagnosis`, and both pass it through
`terminal.printable` whole: names, exception messages and values from a file are embedded in
lines this module lays out one by one, so any control character in a line (an escape sequence,
and also a newline or carriage return, which would forge or overwrite a line) came from the
user's code or a file and is shown escaped."""

from __future__ import annotations

import math
from typing import Any, TextIO

from rich.console import Console
from rich.text import Text

from torchvitals.diagnosis_text import diagnosis_lines
from torchvitals.findings import Diagnosis, Finding
from torchvitals.record import History
from torchvitals.rules.gradients import weak_buckets
from torchvitals.stats import Derived
from torchvitals.terminal import printable, say

# Baselines are printed once as BASE_…= tokens, not inside TR[…]/VAL[…].
_BASE_KEYS = ("base_", "persist_", "chance_", "loss_nonfinite")


def _e(x: float | None, digits: int = 1) -> str:
    if x is None:
        return "n/a"
    if isinstance(x, float) and math.isnan(x):
        return "nan"
    return f"{x:.{digits}e}"


def _f(x: float | None) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "nan"
    return f"{x:.3f}" if abs(x) >= 1e-3 or x == 0 else f"{x:.1e}"


def _latest(history: History, opt: int = 0, since: int = 0) -> tuple[dict[str, Any], Derived] | None:
    """The latest sampled record of optimizer `opt` with gradients, after iteration `since`."""
    for rec in reversed(history.steps):
        if rec.get("it", 0) <= since:
            return None
        if rec.get("opt") == opt and "g" in rec:
            return rec, history.derived(rec)
    return None


def tagged_lines(stream: TextIO, history: History, rec: dict[str, Any]) -> None:
    """[GRAD-MONITOR], [ENCODER-GRAD] and [STEP] lines for one sampled iteration."""
    opt = rec.get("opt", 0)
    it = rec.get("it")
    c = rec.get("counters", {})
    if "g" in rec:
        d = history.derived(rec)
        gn = ",".join(f"{b}={v:.2e}" for b, v in sorted(d.buckets.items(), key=lambda kv: -kv[1]))
        clip = rec.get("clip")
        pre = f" PRECLIP={clip['pre']:.3e}/{clip['max']:g}" if isinstance(clip, dict) else ""
        say(stream, f"[GRAD-MONITOR] it={it} opt={opt} GN[{gn}] TOT={d.total:.3e}{pre} GD[{_e(d.gd[0])},{_e(d.gd[1])},{_e(d.gd[2])}]")
        warn, weak = weak_buckets(history, d)
        for b, v in weak:
            say(stream, f"[GRAD-MONITOR] {b}: norm {v:.2e} < {warn:g}")
        dn = ""
        if d.dw_total is not None:
            tr = d.tr or (None, None)  # no weight matrix with a norm before the step (all started at zero)
            dn = f" ΔW={d.dw_total:.3e} ΔW/W[{_e(tr[0])},{_e(tr[1])}]"
        say(
            stream,
            f"[STEP] it={it} opt={opt} steps={c.get('steps', 0)} backward={c.get('backward', 0)} "
            f"skipped={c.get('skipped', 0)} uncleared={c.get('uncleared', 0)} lr={','.join(_e(x) for x in rec.get('lr', [])) or 'n/a'}{dn}",
        )
    if rec.get("act"):
        say(stream, f"[ENCODER-GRAD] it={it} " + " ".join(f"{n}={v:.2e}" for n, v in rec["act"]))


def _metric_tokens(m: dict[str, Any]) -> str:
    return ",".join(f"{k}={_f(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else v}" for k, v in m.items())


def _ranks_mark(rec: dict[str, Any]) -> str:
    """Under torchrun, whose samples TP counts: nothing for every rank's, `/rank` for rank 0's
    alone (the others' numbers did not come), `/N ranks` for N of them."""
    batch = rec.get("batch")
    world = (batch.get("world") or 1) if isinstance(batch, dict) else 1
    covered = rec.get("from_ranks")
    n = len(covered) if isinstance(covered, list) else 1
    if world <= 1 or n >= world:
        return ""
    return "/rank" if n <= 1 else f"/{n} ranks"


def epoch_line(history: History, rec: dict[str, Any]) -> str:
    """`E01 | OPTS[…] | GN[…,TOT=…] | GD[med,p90,max] | UR[med,max] | lr=… | TR[…] | VAL[…] |
    T=…s,TP=… | GPU=… | G/U=…`, from the latest sampled iteration of the optimizer that stepped last."""
    parts = [f"E{rec['epoch']:02d}"]
    opts = history.optimizers
    # Gradient statistics of this epoch only: the latest sampled iteration since the last epoch.
    k = rec.get("opt", 0) if isinstance(rec.get("opt"), int) and 0 <= rec.get("opt", 0) < len(opts) else 0
    earlier = [e for e in history.epochs if e is not rec]  # the record may be in the history already
    prev = earlier[-1] if earlier else {}
    since = prev.get("it", 0) if prev.get("opt", 0) == k else 0  # iterations count per optimizer
    last = _latest(history, k, since) if opts else None
    if opts:
        o = opts[k]
        lrs = rec.get("lr") or [g.get("lr") for g in o["groups"]]  # at the epoch's end
        cnts = [len(g["params"]) for g in o["groups"]]
        lr_main = lrs[0] if lrs else None
        parts.append(f"OPTS[{len(o['groups'])}:{_e(lr_main)}|cnts={cnts}]")
        if last:
            r, d = last
            gn = ",".join(f"{b}={v:.3f}" if v >= 1e-3 else f"{b}={v:.1e}" for b, v in sorted(d.buckets.items(), key=lambda kv: -kv[1]))
            parts.append(f"GN[{gn},TOT={d.total:.3f}]")
            parts.append(f"GD[{_e(d.gd[0])},{_e(d.gd[1])},{_e(d.gd[2])}]")
            parts.append(f"UR[{_e(d.ur[0])},{_e(d.ur[1])}]")
            parts.append(f"it={r['it']}")  # the sampled iteration GN, GD, UR and G/U come from
        else:
            every = history.header.get("options", {}).get("every")
            parts.append(f"GN[no sampled iteration this epoch{f'; every {every}th is sampled' if every else ''}]")
        parts.append(f"lr={_e(lr_main)}")
    metrics = rec.get("metrics") or {}
    for split, tag in (("train", "TR"), ("val", "VAL")):
        computed = {k: v for k, v in (metrics.get(split) or {}).items() if not k.startswith(_BASE_KEYS)}
        merged = {**computed, **(rec.get(split) or {})}  # what the user passed wins
        if merged:
            parts.append(f"{tag}[{_metric_tokens(merged)}]")
    base = metrics.get("val") or metrics.get("train") or {}
    for key, tag in (("base_rmse", "BASE_RMSE"), ("persist_rmse", "PERSIST_RMSE"), ("base_acc", "BASE_ACC"), ("base_loss", "BASE_LOSS")):
        if isinstance(base.get(key), (int, float)):
            parts.append(f"{tag}={base[key]:.4g}")
    for k, v in (rec.get("extra") or {}).items():
        parts.append(f"{k}={_f(v) if isinstance(v, float) else v}")
    secs = rec.get("seconds") or 0.0
    samples = rec.get("samples") or 0
    # No sample counted: no tensor reached the model that torchvitals takes for its input
    # (probes/batches.batch_input), not a throughput of zero.
    batch = rec.get("batch")
    per_rank = _ranks_mark(rec)
    parts.append(f"T={secs:.1f}s,TP={samples / secs:.1f}/s{per_rank}" if samples and secs else f"T={secs:.1f}s")
    if isinstance(batch, dict) and batch.get("per_rank"):
        b, w, a = batch["per_rank"], batch.get("world", 1), batch.get("accum") or 1
        # Backward passes per step over the epoch: a last, partial accumulation window pulls the
        # mean under the setting (1.92 for 2 over 13 steps): shown as the setting when that close.
        a = round(a) if abs(a - round(a)) < 0.15 else a
        parts.append(f"BATCH={b}x{w}x{a:.3g}={b * w * a:.4g}")
    if rec.get("gpu_gib") is not None:
        parts.append(f"GPU={rec['gpu_gib']:.2f}GiB")
    if last:
        parts.append("G/U=" + gu_tokens(history, last[0]))
    return " | ".join(parts)


def gu_tokens(history: History, rec: dict[str, Any], limit: int = 24) -> str:
    """short_name:grad/estimated update ratio (lr·g/‖w‖, not [STEP]'s true ΔW/W), sorted by
    descending gradient norm (seed 001's G/U)."""
    lay = history.layout(rec.get("opt", 0))
    g, ratios = rec.get("g", []), history.derived(rec).lr_gw
    shorts = [history.params[i]["short"] for i in lay.pidx]
    rows = [(g[i], shorts[i], u) for i, u in enumerate(ratios) if u is not None]
    rows.sort(key=lambda t: -t[0])
    toks = [f"{s}:{gi:.1e}/{u:.1e}" for gi, s, u in rows[:limit]]
    if len(rows) > limit:
        toks.append(f"+{len(rows) - limit} more")
    return ",".join(toks)


def live_finding(stream: TextIO, f: Finding) -> None:
    at = f" at iteration {f.step}" if f.step is not None else ""
    say(stream, f"[TORCHVITALS] {f.severity.upper()} {f.code} {f.name}{at}: {f.message}")


def print_diagnosis(diag: Diagnosis, stream: TextIO) -> None:
    """Findings first, coloured when the stream is a terminal."""
    try:
        con = Console(file=stream, highlight=False, soft_wrap=True)
        for text, style in diagnosis_lines(diag):
            con.print(Text(printable(text), style=style))  # rich keeps an ESC inside a Text
    except Exception:
        for text, _ in diagnosis_lines(diag):
            say(stream, text)


class ConsoleSink:
    """The Sink that speaks on the console (stderr by default): live tagged lines every
    `log_every` iterations, the per-epoch line, live findings at warning or above, messages,
    and the diagnosis at the end (see sinks/base.py)."""

    def __init__(self, stream: TextIO, log_every: int, live: bool) -> None:
        self.stream = stream
        self.log_every = log_every
        self.live = live
        self._next_log: dict[int, int] = {}  # optimizer → next iteration whose lines are due

    def on_record(self, history: History, rec: dict[str, Any]) -> None:
        kind = rec.get("type")
        if kind == "step" and self.log_every and "g" in rec:
            opt, it = rec.get("opt", 0), rec.get("it", 0)
            if it >= self._next_log.get(opt, 0):
                tagged_lines(self.stream, history, rec)
                self._next_log[opt] = (it // self.log_every + 1) * self.log_every
        elif kind == "epoch":
            say(self.stream, epoch_line(history, rec))

    def on_message(self, text: str) -> None:
        say(self.stream, f"torchvitals: {text}")

    def on_finding(self, finding: Finding) -> None:
        if self.live and finding.severity != "info":
            live_finding(self.stream, finding)

    def close(self, diag: Diagnosis) -> None:
        print_diagnosis(diag, self.stream)
