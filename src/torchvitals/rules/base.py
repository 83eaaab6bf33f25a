"""The rule registry: each rule is a pure function over the History, registered with its code,
name and the what / why / example / fix text that `torchvitals explain NAME` prints."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from torchvitals.findings import Finding
from torchvitals.record import History


class CannotJudge(Exception):
    """Raised by a rule that has no evidence to judge on; the reason reaches the diagnosis."""


@dataclass
class Rule:
    code: str
    name: str
    what: str
    why: str
    example: str
    fix: str
    fn: Callable[[History], list[Finding]]

    def finding(
        self,
        severity: str,
        message: str,
        *,
        evidence: dict[str, Any] | None = None,
        where: list[str] | None = None,
        step: int | None = None,
        fix: str | None = None,
    ) -> Finding:
        return Finding(
            code=self.code,
            name=self.name,
            severity=severity,
            message=message,
            evidence=evidence or {},
            where=where or [],
            step=step,
            fix=fix or self.fix,
        )

    def page(self) -> str:
        """The rule page, ruff style."""
        return (
            f"{self.name} ({self.code})\n\n"
            f"What it detects\n  {_indent(self.what)}\n\n"
            f"Why it hurts\n  {_indent(self.why)}\n\n"
            f"Example\n{_block(self.example)}\n\n"
            f"The fix\n  {_indent(self.fix)}\n"
        )


def _indent(text: str) -> str:
    return text.strip().replace("\n", "\n  ")


def _block(text: str) -> str:
    return "\n".join("    " + line for line in text.strip("\n").splitlines())


RULES: dict[str, Rule] = {}
# Pages of findings that no rule over the run record produces (preflight checks, lint rules):
# `torchvitals explain` shows them, evaluate() does not run them.
PAGES: dict[str, Rule] = {}


def _no_rule(h: History) -> list[Finding]:
    return []


def document(code: str, name: str, *, what: str, why: str, example: str, fix: str) -> Rule:
    """Register the what/why/example/fix page of a finding produced outside the record rules;
    returns the Rule, whose `.finding(...)` builds findings with its code, name and fix."""
    if name in RULES or name in PAGES:
        raise ValueError(f"finding {name} documented twice")
    page = Rule(code, name, what, why, example, fix, fn=_no_rule)
    PAGES[name] = page
    return page


def rule(code: str, name: str, *, what: str, why: str, example: str, fix: str) -> Callable[..., Rule]:
    """Register `fn(history, rule) -> list[Finding]` as the rule `name`."""

    def register(fn: Callable[[History, Rule], list[Finding]]) -> Rule:
        r = Rule(code, name, what, why, example, fix, fn=lambda h: fn(h, r))
        if name in RULES:
            raise ValueError(f"rule {name} registered twice")
        RULES[name] = r
        return r

    return register


def each_optimizer(
    h: History, records: Callable[[History, int], list[dict[str, Any]]], reason: str
) -> Iterator[tuple[int, list[dict[str, Any]]]]:
    """(k, records) for every optimizer that has records; CannotJudge(reason) when none has."""
    seen = False
    for k in range(len(h.optimizers)):
        recs = records(h, k)
        if recs:
            seen = True
            yield k, recs
    if not seen:
        raise CannotJudge(reason)
