"""What a run.jsonl record must look like before anything reads it.

Each `invalid_*` function says why a record does not match the schema (the first bad field), or
None when it does. `History.add` runs them on every record, live and offline, so a rule, a sink
or `Layout.of` only ever sees records of the right shape: a hand-edited, corrupt or foreign
line becomes one skipped record with a note, never an exception.
"""

from __future__ import annotations

from typing import Any

from torchvitals.findings import SEVERITIES

# Options the rules and the console convert with int()/float(): they must hold numbers.
_NUMERIC_OPTIONS = ("every", "warmup", "detail_every", "log_every", "depth", "warn_norm", "explode_norm", "max_accum")


def _int(x: Any) -> bool:
    return isinstance(x, int) and not isinstance(x, bool)


def _index(x: Any, n: int | None = None) -> bool:
    return _int(x) and x >= 0 and (n is None or x < n)


def _num(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def _nums(x: Any, none_ok: bool = True) -> bool:
    return isinstance(x, list) and all(_num(v) or (none_ok and v is None) for v in x)


def _counters(x: Any) -> bool:
    return isinstance(x, dict) and all(_num(v) for v in x.values())


def _invalid_opt_it(rec: dict[str, Any]) -> str | None:
    if not _index(rec.get("opt")):
        return "opt"
    if not _int(rec.get("it")):
        return "it"
    return None


def invalid_step(rec: dict[str, Any]) -> str | None:
    """Why a step record does not match the schema (None when it does).

    The lists g, w, d, wa, gf and wf may differ in length (a weight norm read before a parameter group
    was added is shorter); whoever reads them checks each index."""
    if problem := _invalid_opt_it(rec):
        return problem
    for key in ("g", "w", "d", "wa", "gf", "wf", "lr"):
        if key in rec and not _nums(rec[key], none_ok=key != "lr"):
            return key
    if "g" in rec and ("w" not in rec or "lr" not in rec):
        return "w/lr"
    if "w_it" in rec and not _int(rec["w_it"]):
        return "w_it"
    for key in ("frozen", "sparse", "gx"):
        if key in rec and not (isinstance(rec[key], list) and all(_int(i) for i in rec[key])):
            return key
    if not _counters(rec.get("counters", {})):
        return "counters"
    if "act" in rec and not (
        isinstance(rec["act"], list)
        and all(isinstance(a, list) and len(a) == 2 and isinstance(a[0], str) and _num(a[1]) for a in rec["act"])
    ):
        return "act"
    if not isinstance(rec.get("stepped", False), bool):
        return "stepped"
    if "out" in rec and not (
        isinstance(rec["out"], dict) and all(_num(v) or v is None or isinstance(v, str) for v in rec["out"].values())
    ):
        return "out"
    if "other_losses" in rec and not (
        isinstance(rec["other_losses"], list)
        and all(isinstance(x, list) and len(x) == 2 and all(v is None or isinstance(v, str) for v in x) for x in rec["other_losses"])
    ):
        return "other_losses"
    for key in ("samples", "time"):
        if key in rec and not _num(rec[key]):
            return key
    if "bs" in rec and not (isinstance(rec["bs"], dict) and all(_int(rec["bs"].get(k)) for k in ("n", "small", "size", "expect"))):
        return "bs"
    if "in" in rec and not (
        isinstance(rec["in"], dict) and _int(rec["in"].get("it")) and isinstance(rec["in"].get("first"), str)
        and all(_num(rec["in"].get(k)) for k in ("rms_max", "rms_med"))
    ):
        return "in"
    if "clip" in rec and not (isinstance(rec["clip"], dict) and all(_num(rec["clip"].get(k)) for k in ("pre", "max"))):
        return "clip"
    if "ranks" in rec:
        return _invalid_ranks(rec["ranks"])
    return None


def _invalid_ranks(r: Any) -> str | None:
    """A torchrun step record's `ranks` (probes/cross_rank.py): per seen rank, one entry each."""
    if not isinstance(r, dict):
        return "ranks"
    seen = r.get("seen")
    if not (isinstance(seen, list) and seen and all(_index(k) for k in seen)):
        return "ranks.seen"
    for key, ok in (("it", _int), ("steps", _int), ("stepped", lambda x: isinstance(x, bool)),
                    ("batch", lambda x: x is None or isinstance(x, str))):
        v = r.get(key)
        if not (isinstance(v, list) and len(v) == len(seen) and all(ok(x) for x in v)):
            return f"ranks.{key}"
    src = r.get("source", [None] * len(seen))  # optional: records of older versions lack it
    if not (isinstance(src, list) and len(src) == len(seen) and all(x is None or isinstance(x, str) for x in src)):
        return "ranks.source"
    for key in ("missing", "diverged"):
        if not (isinstance(r.get(key, []), list) and all(_index(k) for k in r.get(key, []))):
            return f"ranks.{key}"
    if not _index(r.get("checked", 0)):
        return "ranks.checked"
    return None


def _invalid_dist(d: Any) -> str | None:
    """The header's `dist` (ranks.describe, monitor/wiring.py)."""
    if not isinstance(d, dict) or not _index(d.get("rank")) or not (_int(d.get("world")) and d["world"] >= 1):
        return "dist"
    if not (isinstance(d.get("sharded", []), list) and all(_index(i) for i in d.get("sharded", []))):
        return "dist.sharded"
    if d.get("wrapper") not in (None, "ddp", "fsdp"):
        return "dist.wrapper"
    return None


def invalid_plateau(rec: dict[str, Any]) -> str | None:
    """Why a plateau record does not match the schema (None when it does)."""
    if problem := _invalid_opt_it(rec):
        return problem
    if "metric" not in rec or not (_num(rec["metric"]) or rec["metric"] is None):
        return "metric"
    if rec.get("mode") not in ("min", "max"):
        return "mode"
    if not isinstance(rec.get("threshold_mode", "rel"), str) or not _num(rec.get("threshold", 0.0)):
        return "threshold"
    for key in ("lr_before", "lr"):
        if not _nums(rec.get(key), none_ok=False):
            return key
    return None


def invalid_epoch(rec: dict[str, Any]) -> str | None:
    """Why an epoch record does not match the schema (None when it does)."""
    if not _int(rec.get("epoch")):
        return "epoch"
    for key in ("train", "val", "metrics", "extra"):
        if not isinstance(rec.get(key, {}), dict):
            return key
    if not all(isinstance(m, dict) for m in (rec.get("metrics") or {}).values()):
        return "metrics"
    if "opt" in rec and not _index(rec["opt"]):
        return "opt"
    if "it" in rec and not _int(rec["it"]):
        return "it"
    if "lr" in rec and not _nums(rec["lr"]):
        return "lr"
    for key in ("seconds", "samples", "gpu_gib"):
        if rec.get(key) is not None and not _num(rec[key]):
            return key
    if "line" in rec and not isinstance(rec["line"], str):
        return "line"
    if "from_ranks" in rec and not (isinstance(rec["from_ranks"], list) and all(_index(r) for r in rec["from_ranks"])):
        return "from_ranks"
    b = rec.get("batch")
    if b is not None and not (isinstance(b, dict) and _int(b.get("per_rank")) and _int(b.get("world"))
                              and (b.get("accum") is None or _num(b["accum"]))):
        return "batch"
    return None


# Fields an event of a given kind needs, with their type. Other fields are free-form: an event
# carries what a guard or the user gave `Monitor.event`, and readers str() what they show.
_EVENT_FIELDS: dict[str, tuple[tuple[str, type], ...]] = {
    "probe-error": (("probe", str),),
    "note": (("text", str),),
    "finding": (("finding", dict),),
    "gated-skip": (("it", int),),
    "dataset-labels": (("classes", list), ("loader", str)),
    "preflight": (("findings", list), ("unjudged", dict)),
}


def invalid_finding(f: dict[str, Any]) -> str | None:
    """Why a finding (as Finding.to_dict wrote it) does not match the schema (None when it does)."""
    for key in ("code", "name", "message"):
        if not isinstance(f.get(key), str):
            return f"finding.{key}"
    if f.get("severity") not in SEVERITIES:
        return "finding.severity"
    if not isinstance(f.get("evidence", {}), dict):
        return "finding.evidence"
    if not (isinstance(f.get("where", []), list) and all(isinstance(w, str) for w in f.get("where", []))):
        return "finding.where"
    if f.get("step") is not None and not _int(f["step"]):
        return "finding.step"
    if not isinstance(f.get("fix", ""), str):
        return "finding.fix"
    if f.get("shown_live") is not None and not isinstance(f["shown_live"], dict):
        return "finding.shown_live"
    return None


def invalid_event(rec: dict[str, Any]) -> str | None:
    """Why an event record does not match the schema (None when it does)."""
    kind = rec.get("kind")
    if not isinstance(kind, str):
        return "kind"
    for key, typ in _EVENT_FIELDS.get(kind, ()):
        if not isinstance(rec.get(key), typ):
            return key
    if kind == "dataset-labels" and not _nums(rec["classes"], none_ok=False):
        return "classes"
    if kind == "finding" and (problem := invalid_finding(rec["finding"])):
        return problem
    if rec.get("it") is not None and not _int(rec["it"]):  # the iteration it happened at
        return "it"
    return None


def invalid_end(rec: dict[str, Any]) -> str | None:
    """Why an end record does not match the schema (None when it does)."""
    counters = rec.get("counters", [])
    if not (isinstance(counters, list) and all(_counters(c) for c in counters)):
        return "counters"
    for key in ("seconds", "samples"):
        if rec.get(key) is not None and not _num(rec[key]):
            return key
    if not isinstance(rec.get("disabled", {}), dict):
        return "disabled"
    return None


def invalid_layout(rec: dict[str, Any]) -> str | None:
    """Why a header/layout record's parameter layout is unusable (None when it is fine)."""
    params = rec.get("params", [])
    if not isinstance(params, list) or not all(
        isinstance(p, dict) and isinstance(p.get("name"), str) and isinstance(p.get("bucket"), str)
        and _index(p.get("ndim")) and _index(p.get("numel"))
        and isinstance(p.get("short", ""), str)
        for p in params
    ):
        return "params"
    n = len(params)
    opts = rec.get("optimizers", [])
    if not isinstance(opts, list) or not all(
        isinstance(o, dict) and isinstance(o.get("type", ""), str) and isinstance(o.get("groups"), list)
        and all(isinstance(g, dict) and isinstance(g.get("params"), list)
                and all(_index(i, n) for i in g["params"]) for g in o["groups"])
        for o in opts
    ):
        return "optimizers"
    for key in ("free", "frozen_free", "frozen_in_optimizer", "departed", "unowned"):
        if not isinstance(rec.get(key, []), list) or not all(_index(i, n) for i in rec.get(key, [])):
            return key
    marks = rec.get("attribute_freezes", [])
    if not isinstance(marks, list) or not all(
        isinstance(m, dict) and isinstance(m.get("module"), str) and isinstance(m.get("params"), list)
        and all(_index(i, n) for i in m["params"])
        for m in marks
    ):
        return "attribute_freezes"
    return None


def invalid_header(rec: dict[str, Any]) -> str | None:
    """Why a header record does not match the schema (None when it does)."""
    if problem := invalid_layout(rec):
        return problem
    options = rec.get("options", {})
    if not isinstance(options, dict) or not all(_num(options[k]) for k in _NUMERIC_OPTIONS if k in options):
        return "options"
    for key in ("mode_modules", "probes"):
        if not (isinstance(rec.get(key, []), list) and all(isinstance(m, str) for m in rec.get(key, []))):
            return key
    if "dist" in rec:
        return _invalid_dist(rec["dist"])
    return None
