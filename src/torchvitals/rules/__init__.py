"""Rules judge and never measure: each is a pure function of the run's History."""

from __future__ import annotations

from torchvitals.findings import Finding
from torchvitals.record import History

# Importing a module registers its rules, and the order of registration is the order in which
# evaluate() runs them and `torchvitals explain` lists them: keep it (isort would sort it).
# isort: off
from torchvitals.rules import data, gradients, unoptimized, gradient_norms  # noqa: F401  (registers the rules)
from torchvitals.rules import outputs, loss_inputs, baselines, progress  # noqa: F401
from torchvitals.rules import schedulers, steps, updates, freeze  # noqa: F401
from torchvitals.rules import distributed, reported, batches, randomness  # noqa: F401
# isort: on
from torchvitals.rules.base import PAGES, RULES, CannotJudge, Rule, document
from torchvitals.rules.preflight import preflight_results

__all__ = ["PAGES", "RULES", "CannotJudge", "Rule", "all_pages", "document", "evaluate", "get"]


def evaluate(history: History, failed: dict[str, str] | None = None) -> tuple[list[Finding], dict[str, str]]:
    """All findings, and for each rule that could not judge, why not. A rule that raised costs
    that rule alone: its error goes into `failed` when given (else into the second result, as
    "rule error: ...")."""
    found: list[Finding] = []
    unjudged: dict[str, str] = {}
    for name, r in RULES.items():
        try:
            found.extend(r.fn(history))
        except CannotJudge as why:
            unjudged[name] = str(why)
        except Exception as exc:  # a rule bug must cost one rule, not the diagnosis
            error = f"{type(exc).__name__}: {exc}"
            if failed is not None:
                failed[name] = error
            else:
                unjudged[name] = f"rule error: {error}"
    carried, skipped = preflight_results(history)
    found.extend(carried)
    unjudged.update(skipped)
    return found, unjudged


def all_pages() -> dict[str, Rule]:
    """Every documented finding: record rules, then preflight checks and lint rules."""
    _load_pages()
    return {**RULES, **PAGES}


def get(name_or_code: str) -> Rule | None:
    key = name_or_code.strip()
    pages = all_pages()
    if key in pages:
        return pages[key]
    for r in pages.values():
        if r.code.lower() == key.lower():
            return r
    return None


def _load_pages() -> None:
    """Import the packages that document findings outside the record rules (when present)."""
    import importlib

    for mod in ("torchvitals.checks", "torchvitals.lint"):
        try:
            importlib.import_module(mod)
        except ModuleNotFoundError as exc:
            if exc.name != mod:
                raise
