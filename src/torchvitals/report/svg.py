"""Static inline SVG for the report: a heatmap, line charts (linear or log y), a split bar.

Hand-written SVG rather than a plotting library: the page must open offline, years later, with
nothing to fetch and no script to run, and these three chart kinds need a few hundred lines.
Everything here is layout (pixels, ticks, colours); the numbers come prepared from
report/data.py. Every text that came from the run goes through `esc`.
"""

from __future__ import annotations

import math
from html import escape

from torchvitals.report.data import Heatmap, Line

# Colour-blind-safe series colours (Okabe & Ito), then greys.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000", "#777777", "#AAAAAA")
# A sequential scale from low to high gradient norm (viridis' ends and middle).
RAMP = ((68, 1, 84), (59, 82, 139), (33, 145, 140), (94, 201, 98), (253, 231, 37))
DEAD = "#1a1a1a"
WIDTH = 860


def esc(text: object) -> str:
    """Text from the run, safe in HTML and SVG content and attributes."""
    return escape(str(text), quote=True)


def num(x: float | None) -> str:
    """A number as a chart label shows it."""
    if x is None:
        return "none"
    if x == 0 or 1e-3 <= abs(x) < 1e4:
        return f"{x:.4g}"
    return f"{x:.2e}"


def _ramp(t: float) -> str:
    t = min(1.0, max(0.0, t)) * (len(RAMP) - 1)
    i = min(int(t), len(RAMP) - 2)
    f = t - i
    r, g, b = (round(a + (c - a) * f) for a, c in zip(RAMP[i], RAMP[i + 1], strict=True))
    return f"#{r:02x}{g:02x}{b:02x}"


def heatmap_svg(hm: Heatmap) -> str:
    """Buckets as rows, sampled iterations as columns, colour = log10 of the gradient norm;
    vanishing cells outlined in red, dead cells black, rows a finding names in red."""
    if not hm.buckets or not hm.columns:
        return ""
    logs = [math.log10(v) for row in hm.values for v in row if v is not None and v > 0]
    lo, hi = (min(logs), max(logs)) if logs else (0.0, 1.0)
    hi = hi if hi > lo else lo + 1
    label_w = min(260, 16 + 7 * max(len(b) for b in hm.buckets))
    plot_w = WIDTH - label_w - 20
    cell_w = plot_w / len(hm.columns)
    cell_h = 20 if len(hm.buckets) <= 24 else 12
    height = cell_h * len(hm.buckets) + 70
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" role="img" class="chart">']
    for r, bucket in enumerate(hm.buckets):
        y = r * cell_h + 4
        flagged = bucket in hm.flagged
        cls = ' class="flagged"' if flagged else ""
        out.append(f'<text x="{label_w - 6}" y="{y + cell_h * 0.7:.1f}" text-anchor="end"{cls}>{"⚠ " if flagged else ""}{esc(_short(bucket))}<title>{esc(bucket)}</title></text>')
        for c, (value, state) in enumerate(zip(hm.values[r], hm.states[r], strict=True)):
            x = label_w + c * cell_w
            first, last = hm.columns[c]
            span = f"iteration {first}" if first == last else f"iterations {first}–{last}"
            fill = DEAD if state == "dead" else _ramp((math.log10(value) - lo) / (hi - lo)) if value else DEAD
            # An outline needs room; a narrow cell gets a red bar along its top instead.
            stroke = ' stroke="#e00000" stroke-width="1.5"' if state == "vanishing" and cell_w >= 6 else ""
            tip = f"{bucket}, {span}: " + ("no gradient" if value is None else f"gradient norm {num(value)}") + ("" if state == "ok" else f" ({state})")
            out.append(f'<rect x="{x:.2f}" y="{y}" width="{max(cell_w - 0.5, 0.5):.2f}" height="{cell_h - 1}" fill="{fill}"{stroke}><title>{esc(tip)}</title></rect>')
            if state == "vanishing" and cell_w < 6:
                out.append(f'<rect x="{x:.2f}" y="{y}" width="{cell_w:.2f}" height="3" fill="#e00000"/>')
    y0 = cell_h * len(hm.buckets) + 18
    first, last = hm.columns[0][0], hm.columns[-1][1]
    out.append(f'<text x="{label_w}" y="{y0}">iteration {first}</text>')
    out.append(f'<text x="{label_w + plot_w}" y="{y0}" text-anchor="end">iteration {last}</text>')
    out.extend(_ramp_legend(10, y0 + 14, lo, hi))
    out.append("</svg>")
    return "".join(out)


def _ramp_legend(x: float, y: float, lo: float, hi: float) -> list[str]:
    parts = []
    for i in range(40):
        parts.append(f'<rect x="{x + i * 5}" y="{y}" width="5" height="10" fill="{_ramp(i / 39)}"/>')
    parts.append(f'<text x="{x}" y="{y + 24}">{num(10**lo)}</text>')
    parts.append(f'<text x="{x + 200}" y="{y + 24}" text-anchor="end">{num(10**hi)}</text>')
    parts.append(f'<rect x="{x + 220}" y="{y}" width="10" height="10" fill="{DEAD}"/><text x="{x + 234}" y="{y + 9}">dead (no or zero gradient)</text>')
    parts.append(f'<rect x="{x + 420}" y="{y}" width="10" height="10" fill="#ddd" stroke="#e00000" stroke-width="1.5"/><text x="{x + 434}" y="{y + 9}">vanishing (below the threshold)</text>')
    return parts


def _short(name: str, n: int = 34) -> str:
    return name if len(name) <= n else name[: n - 1] + "…"


def _ticks_log(lo: float, hi: float) -> list[float]:
    a, b = math.floor(lo), math.ceil(hi)
    if b - a <= 2:  # within a decade or two: 1, 2, 5 of each
        return [e + math.log10(m) for e in range(a, b + 1) for m in (1, 2, 5)]
    step = max(1, math.ceil((b - a) / 8))
    return [float(e) for e in range(a, b + 1, step)]


def _ticks_lin(lo: float, hi: float) -> list[float]:
    raw = (hi - lo) / 5 or 1.0
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 5, 10) if m * mag >= raw)
    start = math.ceil(lo / step) * step
    return [start + i * step for i in range(int((hi - start) / step) + 1)]


def line_chart(
    lines: list[Line],
    log_y: bool = False,
    band: tuple[float, float] | None = None,
    band_label: str = "",
    y_label: str = "",
    x_label: str = "iteration",
    height: int = 260,
) -> str:
    """Lines over a shared x axis; `band` is shaded (and kept inside the y range)."""

    def tr(v: float) -> float | None:
        if log_y:
            return math.log10(v) if v > 0 else None
        return v

    ys = [t for ln in lines for y in ln.ys if y is not None and (t := tr(y)) is not None]
    xs = [x for ln in lines for x in ln.xs]
    if not ys or not xs:
        return ""
    if band is not None:
        ys += [t for t in (tr(band[0]), tr(band[1])) if t is not None]
    lo, hi = min(ys), max(ys)
    if hi - lo < 1e-12:
        lo, hi = lo - 0.5, hi + 0.5
    pad = (hi - lo) * 0.05
    lo, hi = lo - pad, hi + pad
    x0, x1 = min(xs), max(xs)
    x1 = x1 if x1 > x0 else x0 + 1
    left, right, top, bottom = 70, 34, 12, 44
    legend_h = 16 * math.ceil(len(lines) / 3) + (16 if band else 0)
    pw, ph = WIDTH - left - right, height - top - bottom

    def px(x: float) -> float:
        return left + (x - x0) / (x1 - x0) * pw

    def py(t: float) -> float:
        return top + (hi - t) / (hi - lo) * ph

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height + legend_h}" role="img" class="chart">']
    out.append(f'<rect x="{left}" y="{top}" width="{pw}" height="{ph}" fill="#fafafa" stroke="#ccc"/>')
    if band is not None:
        b0, b1 = (tr(band[0]) or lo), (tr(band[1]) or hi)
        ya, yb = py(min(max(b1, lo), hi)), py(min(max(b0, lo), hi))
        out.append(f'<rect x="{left}" y="{ya:.1f}" width="{pw}" height="{max(0.0, yb - ya):.1f}" fill="#2e9e4f" fill-opacity="0.12"/>')
    for t in _ticks_log(lo, hi) if log_y else _ticks_lin(lo, hi):
        if lo <= t <= hi:
            y = py(t)
            label = num(10**t) if log_y else num(t)
            out.append(f'<line x1="{left}" x2="{left + pw}" y1="{y:.1f}" y2="{y:.1f}" stroke="#e4e4e4"/>')
            out.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{label}</text>')
    for t in _ticks_lin(x0, x1):
        if x0 <= t <= x1:
            label = f"{t:,.0f}" if float(t).is_integer() else num(t)  # iterations and epochs
            out.append(f'<text x="{px(t):.1f}" y="{top + ph + 16}" text-anchor="middle">{label}</text>')
    out.append(f'<text x="{left + pw / 2}" y="{top + ph + 34}" text-anchor="middle" class="axis">{esc(x_label)}</text>')
    out.append(f'<text x="14" y="{top + ph / 2}" text-anchor="middle" class="axis" transform="rotate(-90 14 {top + ph / 2})">{esc(y_label)}</text>')
    for i, ln in enumerate(lines):
        colour = PALETTE[i % len(PALETTE)]
        out.extend(_path(ln, colour, tr, px, py))
    ly = height + 4
    for i, ln in enumerate(lines):
        x = left + (i % 3) * (pw / 3)
        y = ly + 16 * (i // 3)
        dash = ' stroke-dasharray="5 3"' if ln.dashed else ""
        out.append(f'<line x1="{x:.1f}" x2="{x + 22:.1f}" y1="{y:.1f}" y2="{y:.1f}" stroke="{PALETTE[i % len(PALETTE)]}" stroke-width="2"{dash}/>')
        out.append(f'<text x="{x + 28:.1f}" y="{y + 4:.1f}">{esc(_short(ln.label, 40))}<title>{esc(ln.label)}</title></text>')
    if band:
        y = ly + 16 * math.ceil(len(lines) / 3)
        out.append(f'<rect x="{left}" y="{y - 5}" width="22" height="10" fill="#2e9e4f" fill-opacity="0.25"/><text x="{left + 28}" y="{y + 4}">{esc(band_label)}</text>')
    out.append("</svg>")
    return "".join(out)


def _path(ln: Line, colour: str, tr, px, py) -> list[str]:  # noqa: ANN001 (closures of line_chart)
    """A polyline per unbroken run of points; a lone point is a dot."""
    out, run = [], []
    dash = ' stroke-dasharray="5 3"' if ln.dashed else ""

    def flush() -> None:
        if len(run) == 1:
            out.append(f'<circle cx="{run[0][0]:.1f}" cy="{run[0][1]:.1f}" r="2.5" fill="{colour}"/>')
        elif run:
            pts = " ".join(f"{x:.1f},{y:.1f}" for x, y in run)
            out.append(f'<polyline points="{pts}" fill="none" stroke="{colour}" stroke-width="1.8"{dash}/>')
        run.clear()

    for x, y in zip(ln.xs, ln.ys, strict=True):
        t = tr(y) if y is not None else None
        if t is None:
            flush()
        else:
            run.append((px(x), py(t)))
    flush()
    return out


def split_bar(parts: list[tuple[str, float]], unit: str = "s") -> str:
    """One horizontal bar split into its parts (time waiting vs computing, a step's phases)."""
    total = sum(v for _, v in parts if v > 0)
    if total <= 0:
        return ""
    width, x = WIDTH - 40, 20.0
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{60 + 16 * len(parts)}" role="img" class="chart">']
    for i, (label, v) in enumerate(parts):
        w = max(0.0, v) / total * width
        colour = PALETTE[i % len(PALETTE)]
        out.append(f'<rect x="{x:.1f}" y="8" width="{w:.1f}" height="26" fill="{colour}"><title>{esc(label)}: {num(v)} {unit}</title></rect>')
        x += w
        out.append(f'<rect x="20" y="{46 + 16 * i}" width="12" height="10" fill="{colour}"/>')
        out.append(f'<text x="38" y="{55 + 16 * i}">{esc(label)}: {num(v)} {unit} ({v / total:.0%})</text>')
    out.append("</svg>")
    return "".join(out)
