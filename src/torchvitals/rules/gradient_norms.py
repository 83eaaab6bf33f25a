"""Gradient-flow rules, part two: the gradient norms (vanishing, exploding and non-finite
gradients), judged on the record that gradients.py folds."""

from __future__ import annotations

import math

from torchvitals.config import option
from torchvitals.findings import Finding
from torchvitals.names import compact
from torchvitals.record import History
from torchvitals.rules.base import CannotJudge, Rule, rule
from torchvitals.rules.gradients import (
    ATTENUATION,
    RELATIVE_VANISH,
    SPIKE,
    SPIKE_FLOOR,
    SPIKE_HISTORY,
    SPIKE_WINDOW,
    VANISH_STREAK,
    GradRun,
    grad_runs,
    opt_label,
)


def _each_grad_run(h: History) -> list[tuple[int, GradRun]]:
    runs = grad_runs(h)
    out = [(k, runs[k]) for k in range(len(h.optimizers)) if k in runs and runs[k].n]
    if not out:
        raise CannotJudge("no sampled iteration with gradients yet")
    return out

@rule(
    "TV103",
    "vanishing-gradient",
    what=f"A bucket of parameters whose gradient norm stays below warn_norm (default 1e-7; "
    f"TORCHVITALS_WARN_NORM) or {RELATIVE_VANISH:g}× below the strongest bucket (which "
    f"then must be above warn_norm/{RELATIVE_VANISH:g}: among gradients that are all tiny a ratio is no "
    f"evidence), for {VANISH_STREAK} sampled iterations in a row; or, across modules probed with probe=[...], "
    f"an activation gradient that is attenuated more than {ATTENUATION:g}× between the last and "
    "the first probe, naming the block where it drops most.",
    why="Layers whose gradient vanishes stop learning while the loss still moves through the "
    "layers above them. In one field report a stack of normalisations attenuated the encoder gradient "
    "by 10^10; the model trained for weeks on its head alone.",
    example="""
class Norm(nn.Module):            # eps in the wrong units: divides by sqrt(1e4) every layer
    def forward(self, x):
        return (x - x.mean(-1, keepdim=True)) / torch.sqrt(x.var(-1, keepdim=True) + 1e4)
encoder = nn.Sequential(nn.Linear(16, 64), *[Norm() for _ in range(5)])
""",
    fix="Look at the named block: a normalisation with a huge eps or a learned scale initialised "
    "near zero, a saturated sigmoid/tanh, a deep stack without residual connections. Replace "
    "the stack by a single LayerNorm, add residual paths, or initialise scales at 1. Watch it "
    "with probe=['block.*'] to see the attenuation layer by layer.",
)
def vanishing_gradient(h: History, r: Rule) -> list[Finding]:
    warn = option(h, "warn_norm")
    out: list[Finding] = []
    judged = False
    runs = grad_runs(h)
    for k in range(len(h.optimizers)):
        run = runs.get(k)
        if run is None or not run.n:
            continue
        judged = True
        for b in sorted(run.buckets):
            bk = run.buckets[b]
            first = bk.streak.first(final=h.end is not None)
            if first is None:
                continue
            frac = bk.streak.hits / bk.streak.n
            v, top, it = first[1]
            below = f"< {warn:g}" if v < warn else f"{top / v:.1e}× below the strongest bucket's {top:.2e}"
            out.append(
                r.finding(
                    "warning" if frac >= 0.5 else "info",
                    f"{b}: gradient norm {v:.2e} ({below}) in {bk.streak.hits} of {bk.streak.n} "
                    "sampled iterations: this part of the model is barely learning"
                    + ("" if frac >= 0.5 else " (recovered later)"),
                    evidence={"bucket": b, "norms": list(bk.norms), "warn_norm": warn, "fraction": round(frac, 3)},
                    where=[b],
                    step=it,
                )
            )
    # Attenuation across probed modules (activation gradients), in forward order.
    acts = h.folded("activations")
    if acts.n:
        judged = True
        first = acts.first(final=h.end is not None)
        if first is not None:
            (blocks, through, total, trail), act_it = first[1]
            frac = acts.hits / acts.n
            chain = " → ".join(f"{n}={v:.1e}" for n, v in reversed(trail))
            parent = _common_parent(blocks)
            named = f"{parent} ({', '.join(blocks)})" if parent and len(blocks) > 1 else ", ".join(blocks)
            out.append(
                r.finding(
                    "warning" if frac >= 0.5 else "info",
                    f"the gradient dies in {named}: attenuated {_fmt_ratio(through)} across "
                    f"{'these blocks' if len(blocks) > 1 else 'it'}, {_fmt_ratio(total)} from the last "
                    f"to the first probed module ({chain})",
                    evidence={"blocks": blocks, "attenuation": total, "across_blocks": through, "trail": trail},
                    where=[parent] if parent and len(blocks) > 1 else blocks,
                    step=act_it,
                )
            )
    if not judged:
        raise CannotJudge("no sampled iteration with gradients yet")
    return out

def _common_parent(names: list[str]) -> str:
    parts = [n.split(".") for n in names]
    common = []
    for segs in zip(*parts, strict=False):
        if len(set(segs)) != 1:
            break
        common.append(segs[0])
    if common and all(len(p) > len(common) for p in parts):
        return ".".join(common)
    return ""


def _fmt_ratio(x: float) -> str:
    return "completely" if math.isinf(x) else f"{x:.1e}×"


@rule(
    "TV104",
    "exploding-gradient",
    what=f"A global gradient norm above explode_norm (default 1e4), or {SPIKE:g}× the median of "
    f"the previous {SPIKE_HISTORY} to {SPIKE_WINDOW} sampled iterations and at least {SPIKE_FLOOR:g} "
    "(a jump between numbers near zero is not an explosion: a converged model's gradients of 1e-7 "
    "jumping to 2e-5 are 200x and still nothing).",
    why="Huge gradients make steps that throw the weights far from where training was; losses "
    "spike, then NaNs follow, or the model silently lands in a worse region.",
    example="""
opt = torch.optim.SGD(model.parameters(), lr=0.1)
loss = F.mse_loss(model(x), y * 1e4)   # unscaled targets → gradients of 1e6
""",
    fix="Clip gradients (torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)), lower the "
    "learning rate or add warm-up, normalise inputs and targets, and check for a loss summed "
    "instead of averaged over a large batch.",
)
def exploding_gradient(h: History, r: Rule) -> list[Finding]:
    limit = option(h, "explode_norm")
    out: list[Finding] = []
    for k, run in _each_grad_run(h):
        if run.spike is not None:
            it, norm, before = run.spike
            base = f", {norm / before:.0f}× the median before" if before else ""
            out.append(
                r.finding(
                    "warning",
                    f"{opt_label(h, k)}: global gradient norm {norm:.3g} at iteration {it}"
                    f"{base}; {run.spikes} of {run.n} sampled iterations too large",
                    evidence={"norm": norm, "limit": limit, "hits": run.spikes, "sampled": run.n},
                    where=[opt_label(h, k)],
                    step=it,
                )
            )
    return out


@rule(
    "TV105",
    "nonfinite-gradient",
    what="A gradient containing NaN or Inf at a sampled iteration, naming the parameters.",
    why="One non-finite value poisons every weight it reaches through the optimizer: the model "
    "turns to NaN and the rest of the run is wasted. When the step is skipped (GradScaler or a "
    "gate) it is only reported, unless it keeps happening.",
    example="""
loss = -torch.log(probs)          # probs can be exactly 0 → inf
loss.mean().backward()
""",
    fix="Find the first operation producing inf/NaN (torch.autograd.set_detect_anomaly(True) for "
    "a few steps): log/sqrt/division of zero, exp overflow, fp16 overflow without a GradScaler. "
    "Use log_softmax/logsumexp, clamp inputs, and clip gradients.",
)
def nonfinite_gradient(h: History, r: Rule) -> list[Finding]:
    out: list[Finding] = []
    for k, run in _each_grad_run(h):
        lay = h.layout(k)
        if not run.bad:
            continue
        applied = run.applied > 0
        it, pos = run.first_applied or run.first_bad  # type: ignore[misc]
        names = [lay.names[i] for i in pos if i < len(lay.names)]
        if applied:
            sev, how = "error", "and the optimizer applied it"
        else:
            # Skipped steps with inf/NaN are what a GradScaler does; skipped-steps judges how often.
            scaler = h.counters(k).get("scaler_skips", 0) > 0
            sev = "warning" if run.bad >= 3 and not scaler else "info"
            how = "but that step was skipped" + (" (by the GradScaler)" if scaler else "")
        out.append(
            r.finding(
                sev,
                f"{opt_label(h, k)}: non-finite gradient in {len(names)} parameter(s) ({compact(names)}) "
                f"at iteration {it}, {how}; {run.bad} of {run.n} sampled iterations affected",
                evidence={"parameters": names, "affected": run.bad, "sampled": run.n, "applied": run.applied},
                where=sorted({lay.buckets[i] for i in pos if i < len(lay.buckets)}),
                step=it,
            )
        )
    return out
