"""Findings and the diagnosis that carries them: what the user reads."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from torchvitals.diagnosis_text import render_text

SEVERITIES = ("info", "warning", "error")


def severity_rank(severity: str) -> int:
    return SEVERITIES.index(severity) if severity in SEVERITIES else 0


@dataclass
class Finding:
    """One judged problem: stable `code` and `name`, what happened, the numbers, where, since
    which iteration, and what to change."""

    code: str
    name: str
    severity: str
    message: str
    evidence: dict[str, Any] = field(default_factory=dict)
    where: list[str] = field(default_factory=list)
    step: int | None = None
    fix: str = ""
    # When the live monitor printed this finding with another severity: {"severity", "step"}.
    shown_live: dict[str, Any] | None = None
    # The root cause this finding follows from (rules/causes.py): a symptom, listed after it.
    follows_from: str | None = None
    # A cause raised to the severity of a symptom it explains: {"from": severity, "by": name}.
    raised: dict[str, Any] | None = None

    @property
    def key(self) -> tuple[str, tuple[str, ...]]:
        """Identity used to tell a new finding from one already reported."""
        return (self.name, tuple(self.where))

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Finding:
        return cls(**{k: data[k] for k in cls.__dataclass_fields__ if k in data})


def causes_first(findings: list[Finding]) -> list[Finding]:
    """Worst first, then earliest; a finding that follows from another comes right after the
    first finding of its cause's name (its cause leads, whatever the symptom's severity)."""
    ranked = sorted(findings, key=lambda f: (-severity_rank(f.severity), f.step or 0, f.code))
    causes = {f.name for f in ranked} & {f.follows_from for f in ranked}
    out: list[Finding] = []
    placed: set[int] = set()
    for f in ranked:
        if id(f) in placed or (f.follows_from in causes and f.follows_from != f.name):
            continue
        out.append(f)
        placed.add(id(f))
        if f.name in causes:
            causes.discard(f.name)  # its symptoms come once, after its first finding
            for s in ranked:
                if s.follows_from == f.name and id(s) not in placed:
                    out.append(s)
                    placed.add(id(s))
    return out + [f for f in ranked if id(f) not in placed]


@dataclass
class Diagnosis:
    """The result of a run: findings (worst first), rules that could not judge, and a summary.

    A run is only called healthy when something was judged: `judged` is False when no sampled
    iteration with gradients was ever seen (`not_judged` says why), and `stopped` holds the
    error the script stopped with before it finished (what was seen until then was judged)."""

    findings: list[Finding] = field(default_factory=list)
    unjudged: dict[str, str] = field(default_factory=dict)
    summary: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    run_dir: str | None = None
    judged: bool = True
    not_judged: str = ""  # why nothing was judged
    stopped: str | None = None  # the script's error, when it stopped before the end
    withdrawn: list[Finding] = field(default_factory=list)  # printed live, not confirmed at the end
    failed_rules: dict[str, str] = field(default_factory=dict)  # rule → the error it raised (not judged)

    def __post_init__(self) -> None:
        self.findings = causes_first(self.findings)

    @property
    def worst(self) -> str | None:
        if not self.findings:
            return None
        return max(self.findings, key=lambda f: severity_rank(f.severity)).severity

    def at_least(self, severity: str) -> list[Finding]:
        """Findings at `severity` or above."""
        rank = severity_rank(severity)
        return [f for f in self.findings if severity_rank(f.severity) >= rank]

    @property
    def verdict(self) -> str:
        """"problems" (a finding at warning or above), "not judged" (nothing was seen to judge),
        "incomplete" (no problem in what was seen before the script stopped with an error), or
        "healthy"."""
        if self.at_least("warning"):
            return "problems"
        if not self.judged:
            return "not judged"
        return "incomplete" if self.stopped else "healthy"

    @property
    def healthy(self) -> bool:
        """True when the run was judged, ran to its end and no finding reaches warning."""
        return self.verdict == "healthy"

    def names(self, severity: str = "info") -> set[str]:
        return {f.name for f in self.at_least(severity)}

    def exit_code(self) -> int:
        """The CLI contract: 0 no problem found in what was judged, 1 findings at warning or
        above, or nothing could be judged (a run is never passed unseen)."""
        return 0 if self.verdict in ("healthy", "incomplete") else 1

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": 1,
            "healthy": self.healthy,
            "verdict": self.verdict,
            "judged": self.judged,
            "not_judged": self.not_judged,
            "stopped": self.stopped,
            "findings": [f.to_dict() for f in self.findings],
            "withdrawn": [f.to_dict() for f in self.withdrawn],
            "unjudged": dict(self.unjudged),
            "failed_rules": dict(self.failed_rules),
            "summary": dict(self.summary),
            "notes": list(self.notes),
            "run_dir": self.run_dir,
        }

    def __str__(self) -> str:
        return render_text(self)
