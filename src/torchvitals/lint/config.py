"""Suppression: `# noqa: TVL001` on a line, `[tool.torchvitals.lint]` in pyproject.toml
(`select = [...]`, `ignore = [...]`), and --select/--ignore on the command line."""

from __future__ import annotations

import os
import re
from functools import lru_cache
from typing import Any

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10: the same parser, from PyPI
    import tomli as tomllib  # type: ignore[no-redef]

NOQA = re.compile(r"#\s*noqa(?P<colon>:\s*(?P<codes>[A-Za-z]+[0-9]+(?:[\s,]+[A-Za-z]+[0-9]+)*))?", re.I)


def noqa_codes(line: str) -> set[str] | None:
    """Codes a line's `# noqa` comment suppresses: None without one, an empty set for all."""
    m = NOQA.search(line)
    if not m:
        return None
    if not m.group("codes"):
        return set()
    return {c.upper() for c in re.split(r"[\s,]+", m.group("codes")) if c}


def suppressed(code: str, line: str) -> bool:
    codes = noqa_codes(line)
    return codes is not None and (not codes or code in codes)


def parse_codes(value: str | list[str] | None) -> list[str]:
    """`"TVL001,TVL003"` or a list -> upper-case codes (prefixes such as `TVL00` allowed)."""
    if not value:
        return []
    items = value.split(",") if isinstance(value, str) else list(value)
    return [c.strip().upper() for c in items if c.strip()]


def selected(code: str, select: list[str] | None, ignore: list[str] | None) -> bool:
    """Ruff-style prefix matching: `--select TVL00` selects TVL001..TVL009."""
    if select and not any(code.startswith(s) for s in select):
        return False
    return not (ignore and any(code.startswith(s) for s in ignore))


@lru_cache(maxsize=256)
def _config_in(directory: str) -> dict[str, Any]:
    path = os.path.join(directory, "pyproject.toml")
    if os.path.isfile(path) and tomllib is not None:
        try:
            with open(path, "rb") as f:
                data = tomllib.load(f)
        except (OSError, ValueError):
            return {}
        return data.get("tool", {}).get("torchvitals", {}).get("lint", {})
    parent = os.path.dirname(directory)
    return {} if parent == directory else _config_in(parent)


def config_for(path: str) -> dict[str, Any]:
    """The `[tool.torchvitals.lint]` table of the nearest pyproject.toml above `path`."""
    return _config_in(os.path.dirname(os.path.abspath(path)))


def clear_cache() -> None:
    _config_in.cache_clear()
