"""Suppression: `# noqa: TVL001` on a line, `[tool.torchvitals.lint]` in pyproject.toml
(`select = [...]`, `ignore = [...]`), and --select/--ignore on the command line.

The table is validated when read: a key of the wrong type, an unknown key or a file that is not
TOML stops the run with a ConfigError naming the file, the key and what was expected (the CLI
prints it as one line and exits 2), rather than a traceback or a setting silently ignored."""

from __future__ import annotations

import os
import re
import reprlib
from functools import lru_cache
from typing import Any

from torchvitals.lint.reading import Unreadable, read_text

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


class ConfigError(ValueError):
    """A pyproject.toml whose `[tool.torchvitals.lint]` table (or a table above it) does not have
    the shape the linter reads; the message names the file, the key and the type expected."""


KEYS = ("select", "ignore")
CODE = re.compile(r"[A-Za-z]+[0-9]*")
# The largest pyproject.toml read: real ones are a few KiB.
MAX_CONFIG_BYTES = 1024 * 1024
_TOML_TYPES = ((bool, "a boolean"), (int, "an integer"), (float, "a float"), (str, "a string"),
               (list, "an array"), (dict, "a table"))  # fmt: skip


def _toml_type(value: object) -> str:
    return next((name for t, name in _TOML_TYPES if isinstance(value, t)), f"a {type(value).__name__}")


def _table(parent: dict[str, Any], key: str, where: str, path: str) -> dict[str, Any]:
    value = parent.get(key, {})
    if not isinstance(value, dict):
        raise ConfigError(f"{path}: `{where}` must be a table, not {_toml_type(value)} ({reprlib.repr(value)})")
    return value


def _codes(value: object, key: str, path: str) -> list[str]:
    where = f"tool.torchvitals.lint.{key}"
    if isinstance(value, str):
        items: list[object] = [c for c in value.split(",") if c.strip()]
    elif isinstance(value, list):
        items = value
    else:
        expected = 'a list of rule codes or prefixes (strings such as "TVL013" or "TVL01")'
        raise ConfigError(f"{path}: `{where}` must be {expected}, not {_toml_type(value)} ({reprlib.repr(value)})")
    for i, item in enumerate(items):
        if not isinstance(item, str):
            raise ConfigError(f"{path}: `{where}[{i}]` must be a string (a rule code such as \"TVL013\"), not {_toml_type(item)} ({reprlib.repr(item)})")
        if not CODE.fullmatch(item.strip()):
            raise ConfigError(f"{path}: `{where}[{i}]` = {reprlib.repr(item)} is not a rule code or prefix (such as \"TVL013\" or \"TVL01\")")
    return [c.strip().upper() for c in items]  # type: ignore[union-attr]


def validated(data: dict[str, Any], path: str) -> dict[str, Any]:
    """The `[tool.torchvitals.lint]` table of a parsed pyproject.toml, with `select` and `ignore`
    as lists of upper-case codes; ConfigError for anything of another shape."""
    tool = _table(data, "tool", "tool", path)
    ours = _table(tool, "torchvitals", "tool.torchvitals", path)
    lint = _table(ours, "lint", "tool.torchvitals.lint", path)
    out: dict[str, Any] = {}
    for key, value in lint.items():
        if key not in KEYS:
            shown = key if CODE.fullmatch(key.replace("-", "").replace("_", "")) else reprlib.repr(key)
            raise ConfigError(f"{path}: unknown key `tool.torchvitals.lint.{shown}` (the keys read are {', '.join(KEYS)})")
        out[key] = _codes(value, key, path)
    return out


@lru_cache(maxsize=256)
def _config_in(directory: str) -> dict[str, Any]:
    path = os.path.join(directory, "pyproject.toml")
    if os.path.isfile(path):  # a regular file (a FIFO or a device of that name is passed over)
        try:
            data = tomllib.loads(read_text(path, MAX_CONFIG_BYTES))
        except Unreadable as exc:
            raise ConfigError(f"{path}: {exc}") from None
        except (ValueError, RecursionError) as exc:  # tomllib.TOMLDecodeError is a ValueError
            raise ConfigError(f"{path}: not valid TOML ({exc})") from None
        return validated(data, path)
    parent = os.path.dirname(directory)
    return {} if parent == directory else _config_in(parent)


def config_for(path: str) -> dict[str, Any]:
    """The `[tool.torchvitals.lint]` table of the nearest pyproject.toml above `path`."""
    return _config_in(os.path.dirname(os.path.abspath(path)))


def clear_cache() -> None:
    _config_in.cache_clear()
