"""Rules judge and never measure: each is a pure function of the run's History."""

from __future__ import annotations

from torchvitals.findings import Finding
from torchvitals.record import History
from torchvitals.rules import data, gradients, outputs, steps, updates  # noqa: F401  (registers the rules)
from torchvitals.rules.base import RULES, CannotJudge, Rule

__all__ = ["RULES", "CannotJudge", "Rule", "evaluate", "get"]


def evaluate(history: History) -> tuple[list[Finding], dict[str, str]]:
    """All findings, and for each rule that could not judge, why not."""
    found: list[Finding] = []
    unjudged: dict[str, str] = {}
    for name, r in RULES.items():
        try:
            found.extend(r.fn(history))
        except CannotJudge as why:
            unjudged[name] = str(why)
        except Exception as exc:  # a rule bug must cost one rule, not the diagnosis
            unjudged[name] = f"rule error: {type(exc).__name__}: {exc}"
    return found, unjudged


def get(name_or_code: str) -> Rule | None:
    key = name_or_code.strip()
    if key in RULES:
        return RULES[key]
    for r in RULES.values():
        if r.code.lower() == key.lower():
            return r
    return None
