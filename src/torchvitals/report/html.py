"""The report page: one self-contained HTML file (inline CSS and SVG, no script, nothing fetched:
its Content-Security-Policy forbids both). It lays out what report/data.py prepared, in the
order a reader needs it: the verdict and findings, then the charts that show the evidence.
Every text that came from the run (names, messages, notes) is escaped."""

from __future__ import annotations

from torchvitals.findings import Finding
from torchvitals.report.data import OptimizerView, Report
from torchvitals.report.svg import esc, heatmap_svg, line_chart, num, split_bar

# No script may run and nothing may be fetched when the file is opened.
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
VERDICTS = {
    "problems": "Problems found",
    "healthy": "No problem found: the run looks healthy",
    "incomplete": "No problem in what was seen before the script stopped",
    "not judged": "Nothing could be judged",
}
STYLE = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:24px auto;max-width:900px;color:#1b1b1b;padding:0 12px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 8px;border-bottom:1px solid #ddd;padding-bottom:4px}
h3{font-size:15px;margin:18px 0 6px}.muted{color:#666}code{font:12px ui-monospace,monospace;background:#f3f3f3;padding:1px 4px;border-radius:3px}
.verdict{padding:12px 16px;border-radius:6px;font-size:17px;font-weight:600;margin:14px 0}
.v-problems{background:#fde8e8;border-left:6px solid #c81e1e}.v-healthy{background:#e6f6ea;border-left:6px solid #1f8a3b}
.v-incomplete,.v-not-judged{background:#fff6dc;border-left:6px solid #b7791f}
.finding{border:1px solid #ddd;border-radius:6px;padding:10px 14px;margin:10px 0}
.finding.symptom{margin-left:28px;border-style:dashed}.finding .follows{color:#555;margin:4px 0}
.sev{display:inline-block;font-size:11px;font-weight:700;padding:1px 7px;border-radius:10px;color:#fff;margin-right:6px}
.sev-error{background:#a01010}.sev-warning{background:#c05a00}.sev-info{background:#3a6ea5}
.finding .msg{margin:6px 0}.finding .fix{background:#f4f8ff;padding:6px 10px;border-radius:4px}
table{border-collapse:collapse;margin:6px 0}td,th{padding:3px 10px;border-bottom:1px solid #eee;text-align:left;vertical-align:top}
.missing{background:#fff6dc;padding:8px 12px;border-radius:6px}
svg.chart{display:block;margin:6px 0}svg text{font:11px system-ui,sans-serif;fill:#333}svg text.flagged{fill:#c81e1e;font-weight:700}
svg text.axis{fill:#555}details{margin:4px 0}pre{white-space:pre-wrap;font:12px ui-monospace,monospace}
"""


def render(rep: Report) -> str:
    """The whole page."""
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',
        f"<title>torchvitals report: {esc(rep.run)}</title><style>{STYLE}</style></head><body>",
        f'<h1>torchvitals report: {esc(rep.run)}</h1>',
        '<p class="muted">' + " · ".join(f"{esc(k)}: {esc(v)}" for k, v in rep.facts) + "</p>",
    ]
    parts += _verdict(rep)
    parts += _findings(rep)
    if rep.missing:
        parts.append('<h2>What this report could not show</h2><ul class="missing">')
        parts += [f"<li>{esc(m)}</li>" for m in rep.missing]
        parts.append("</ul>")
    for view in rep.optimizers:
        parts += _optimizer(view, rep, len(rep.optimizers) > 1)
    parts += _epochs(rep)
    parts += _time(rep)
    parts.append(f'<p class="muted">Made by <code>torchvitals report</code> from {esc(rep.facts[0][1])} alone. '
                 "<code>torchvitals explain NAME</code> prints any finding's full page.</p>")
    parts.append("</body></html>")
    return "\n".join(parts)


def _verdict(rep: Report) -> list[str]:
    d = rep.diagnosis
    problems = d.at_least("warning")
    notes = len(d.findings) - len(problems)
    head = VERDICTS.get(d.verdict, d.verdict)
    if d.verdict == "problems":
        head = f"{len(problems)} problem(s)" + (f", {notes} note(s)" if notes else "")
    detail = ""
    if not d.judged and d.not_judged:
        detail = f": {d.not_judged}"
    elif d.stopped:
        detail = f" (the script stopped: {d.stopped})"
    cls = "v-" + d.verdict.replace(" ", "-")
    return [f'<div class="verdict {cls}" id="verdict">{esc(head + detail)}</div>']


def _findings(rep: Report) -> list[str]:
    d = rep.diagnosis
    if not d.findings and not d.withdrawn:
        out = ['<h2>Findings</h2><p>No finding.</p>']
    else:
        out = ["<h2>Findings</h2>"] + [_finding(f, rep, prev) for f, prev in zip(d.findings, [None, *d.findings], strict=False)]
    if d.withdrawn:
        out.append("<h3>Shown live, not confirmed by the whole run</h3>")
        out += [_finding(f, rep) for f in d.withdrawn]
    if d.unjudged:
        rows = "".join(f"<tr><td><code>{esc(n)}</code></td><td>{esc(why)}</td></tr>" for n, why in sorted(d.unjudged.items()))
        out.append(f"<details><summary>Not judged (no evidence yet): {len(d.unjudged)} rule(s)</summary><table>{rows}</table></details>")
    if d.notes:
        out.append("<details><summary>Notes</summary><ul>" + "".join(f"<li>{esc(n)}</li>" for n in d.notes) + "</ul></details>")
    return out


def _finding(f: Finding, rep: Report, prev: Finding | None = None) -> str:
    """One finding's card; a fix (and page) the previous card already showed is not repeated."""
    repeat = prev is not None and prev.name == f.name and prev.fix == f.fix
    where = ", ".join(f"<code>{esc(w)}</code>" for w in f.where) or "the whole run"
    since = f"since iteration {f.step}" if f.step is not None else "over the whole run"
    live = ""
    if f.shown_live:
        live = f' <span class="muted">(shown live as {esc(f.shown_live.get("severity"))} at iteration {esc(f.shown_live.get("step"))})</span>'
    if f.raised:
        live += f' <span class="muted">(raised from {esc(f.raised.get("from"))}: it explains {esc(f.raised.get("by"))} below)</span>'
    follows = f'<div class="follows">follows from <code>{esc(f.follows_from)}</code> (above): fix that first</div>' if f.follows_from else ""
    evidence = "".join(f"<tr><th>{esc(k)}</th><td>{esc(_value(v))}</td></tr>" for k, v in f.evidence.items())
    page = rep.pages.get(f.name)
    more = ""
    if page and not repeat:
        more = (f"<details><summary>What this finding means (<code>torchvitals explain {esc(f.name)}</code>)</summary>"
                f"<p>{esc(page['what'])}</p><p>{esc(page['why'])}</p></details>")
    cls = "finding symptom" if f.follows_from else "finding"
    return (
        f'<div class="{cls}"><span class="sev sev-{esc(f.severity)}">{esc(f.severity.upper())}</span>'
        f"<b>{esc(f.code)} {esc(f.name)}</b> {since}{live}"
        f'<div class="msg">{esc(f.message)}</div>{follows}<div>where: {where}</div>'
        + ('<div class="fix"><b>fix:</b> as above</div>' if repeat and f.fix else f'<div class="fix"><b>fix:</b> {esc(f.fix)}</div>' if f.fix else "")
        + (f"<details><summary>evidence</summary><table>{evidence}</table></details>" if evidence else "")
        + more + "</div>"
    )


def _value(v: object) -> str:
    if isinstance(v, float):
        return num(v)
    if isinstance(v, list) and len(v) > 12:
        return ", ".join(_value(x) for x in v[:12]) + f", … ({len(v)} values)"
    if isinstance(v, list):
        return ", ".join(_value(x) for x in v)
    return str(v)


def _optimizer(v: OptimizerView, rep: Report, several: bool) -> list[str]:
    suffix = f" — {esc(v.label)}" if several else ""
    hm = v.heatmap
    out = [f"<h2>Gradient flow{suffix}</h2>",
           f"<p>Gradient norm of each part of the model (a bucket: a top-level module) at each sampled iteration, "
           f"log colour scale. Red outline (a red bar on narrow columns): below {num(hm.warn_norm)}, the threshold of <code>vanishing-gradient</code>; "
           "black: no gradient or an exactly-zero one (<code>dead-parameters</code>); a red name: a finding names it."
           + (f" Each column is the largest of {hm.per_column} consecutive sampled iterations." if hm.per_column > 1 else "") + "</p>",
           heatmap_svg(hm)]
    kind = "true update ratio ‖Δw‖/‖w‖ across the step" if v.ratio_kind == "true" else "estimated update ratio lr·‖g‖/‖w‖ (no true update was measured)"
    lo, hi = rep.band
    out.append(f"<h3>Update ratio per bucket{suffix}</h3><p>The {kind}. Shaded: from {num(lo)} to {num(hi)}, the range in which "
               "<code>lr-too-small</code> and <code>lr-too-large</code> stay silent; about 1e-3 is the usual healthy size.</p>")
    out.append(line_chart(v.ratios, log_y=True, band=rep.band, band_label="accepted by the learning-rate rules", y_label="‖Δw‖/‖w‖") or "<p>No update ratio was recorded.</p>")
    out.append(f"<h3>Global gradient norm{suffix}</h3>")
    clipped = len(v.norms) > 1
    out.append("<p>" + ("Before and after <code>clip_grad_norm_</code>, with its limit." if clipped else "No clipping was recorded.") + "</p>")
    out.append(line_chart(v.norms, log_y=True, y_label="gradient L2 norm") or "<p>No gradient norm was recorded.</p>")
    if v.loss:
        out.append(f"<h3>Training loss at sampled iterations{suffix}</h3>")
        out.append(line_chart(v.loss, y_label="loss"))
    out.append(f"<h3>Step accounting{suffix}</h3><table>")
    out += [f"<tr><td><code>{esc(name)}</code></td><td>{esc(value)}</td><td class='muted'>{esc(meaning)}</td></tr>" for name, meaning, value in v.counters]
    out.append("</table>")
    return out


def _epochs(rep: Report) -> list[str]:
    if not rep.epochs:
        return []
    out = ["<h2>Loss and metrics against trivial baselines</h2>",
           "<p>Per epoch, as torchvitals measured them (dashed: what a trivial predictor scores on the same targets).</p>"]
    for title, lines in rep.epochs:
        out.append(f"<h3>{esc(title)}</h3>")
        out.append(line_chart(lines, y_label=title, x_label="epoch", height=220))
    return out


def _time(rep: Report) -> list[str]:
    if not rep.loaders and not rep.snapshot:
        return []
    out = ["<h2>Where the time goes</h2>"]
    for ld in rep.loaders:
        role = "training" if ld["training"] else "evaluation"
        out.append(f"<h3>{esc(ld['loader'])} ({role}, {esc(ld['passes'])} pass(es), {esc(int(ld['batches']))} batches)</h3>")
        out.append(split_bar([("waiting for data (inside next())", ld["wait"]), ("computing (between batches)", ld["work"])]))
    if rep.snapshot:
        out.append("<h3>One training step, taken apart (step snapshot)</h3>")
        out.append(split_bar(rep.snapshot["parts"], unit="ms"))
        out.append(f"<pre>{esc(rep.snapshot['line'])}</pre>")
    return out
