"""Linting text, files, notebooks and trees of files."""

from __future__ import annotations

import ast
import gc
import importlib.util
import json
import os
import re
import symtable
import warnings
from concurrent.futures import ProcessPoolExecutor
from functools import partial

from torchvitals.findings import Finding
from torchvitals.lint import config, engine, syntax
from torchvitals.lint.engine import RULE_ERROR, build, might_match, run_rules
from torchvitals.lint.reading import MAX_NOTEBOOK_BYTES, MAX_SOURCE_BYTES, Unreadable, read_text
from torchvitals.lint.rules import CHECKS
from torchvitals.rules.base import document

UNPARSABLE = document(
    "TVL000",
    "unparsable-source",
    what="A file (or notebook cell) that Python cannot parse, or a file the linter does not read: "
    "one it cannot open, one that is not a regular file (a FIFO, a device, a link to one), a "
    "notebook that is not valid JSON or is nested too deeply, or a file over the size limit "
    "(2 MiB of source; 32 MiB for a notebook file).",
    why="The linter cannot judge code it cannot read; the other files are still linted. Reading "
    "a FIFO would block forever and reading `/dev/zero` would never end, so such files are named, "
    "not read.",
    example="def train(:\n    ...",
    fix="Fix the syntax error (run `python -m py_compile FILE` to see it). A file that was not "
    "read says why: lint the hand-written source itself, or leave that file out of the paths given.",
)
NOT_READ_FIX = "Lint the hand-written source itself, or leave this file out of the paths given."

SKIP_DIRS = {"__pycache__", "node_modules", "site-packages", ".git", ".venv", "venv", ".tox"}
# Below this many files, starting worker processes costs more than it saves.
PARALLEL_FROM = 48


def lint_source(text: str, path: str = "<string>") -> list[Finding]:
    """Findings for one Python source text (all rules, `# noqa` honoured, no config)."""
    return _lint_text(text, path)


# Parse failures: SyntaxError; ValueError for null bytes; RecursionError/MemoryError for
# absurdly nested expressions.
PARSE_ERRORS = (SyntaxError, ValueError, RecursionError, MemoryError)


def _parses(text: str, path: str) -> bool:
    """A cheap syntax check for files no rule needs: symtable parses in C without building
    Python AST objects, about twice as fast as ast.parse. Anything ast.parse rejects it rejects
    too (it also rejects a few things ast.parse accepts, e.g. `nonlocal` at module level)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # SyntaxWarnings (invalid escapes) are not ours to show
            symtable.symtable(text, path, "exec")
    except PARSE_ERRORS:
        return False
    return True


def _compiled_before(path: str) -> bool:
    """This interpreter already compiled this exact file: its timestamp .pyc in __pycache__
    carries our magic number and the source's mtime and size (the test the import system uses
    to reuse it). pip writes these on install, so installed packages need no parse at all."""
    try:
        st = os.stat(path)
        with open(importlib.util.cache_from_source(path), "rb") as f:
            head = f.read(16)
    except (OSError, ValueError, NotImplementedError):
        return False
    return (
        len(head) == 16
        and head[:4] == importlib.util.MAGIC_NUMBER
        and head[4:8] == b"\0\0\0\0"  # flags 0: timestamp-based, not hash-based
        and int.from_bytes(head[8:12], "little") == int(st.st_mtime) & 0xFFFFFFFF
        and int.from_bytes(head[12:16], "little") == st.st_size & 0xFFFFFFFF
    )


def _lint_text(
    text: str, path: str, lines_map: list[tuple[int, int]] | None = None, on_disk: bool = False
) -> list[Finding]:
    """`on_disk`: `text` is the content of the file at `path` (so its .pyc may vouch for it)."""
    # The tree and the facts about it are millions of small objects for a large file and hold
    # no reference cycles: the cyclic collector, run again and again while they are built, would
    # re-scan all of them each time (a third of the time on a 1.6 MB file). It runs after.
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _lint_text_now(text, path, lines_map, on_disk)
    finally:
        syntax.forget()
        if was_enabled:
            gc.enable()


def _lint_text_now(text: str, path: str, lines_map: list[tuple[int, int]] | None, on_disk: bool) -> list[Finding]:
    # A file in which no rule can match is not linted, but one that does not parse is still
    # reported: the user asked about it, and "no findings" would mean "checked and clean".
    needed = might_match(text)
    if not needed and ((on_disk and _compiled_before(path)) or _parses(text, path)):
        return []
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree = ast.parse(text, filename=path)
    except PARSE_ERRORS as exc:
        line = getattr(exc, "lineno", None) or 1
        col = getattr(exc, "offset", None) or 1
        msg = getattr(exc, "msg", None) or str(exc) or type(exc).__name__
        ev = {"path": path, "line": line, "col": col}
        f = UNPARSABLE.finding("error", f"cannot parse: {msg}", evidence=ev, where=[f"{path}:{line}:{col}"])
        return _relocate([f], path, lines_map)
    if not needed:
        return []  # parses (symtable's objection was not a syntax error) and no rule can match
    findings = run_rules(build(path, text, tree), CHECKS)
    lines = text.splitlines()
    kept = []
    for f in findings:
        line = f.evidence.get("line", 0)
        if 0 < line <= len(lines) and config.suppressed(f.code, lines[line - 1]):
            continue
        kept.append(f)
    return _relocate(kept, path, lines_map)


def _relocate(findings: list[Finding], path: str, lines_map: list[tuple[int, int]] | None) -> list[Finding]:
    """Notebook: turn a line of the joined cells into (cell, line in cell)."""
    if lines_map is None:
        return findings
    for f in findings:
        line = f.evidence.get("line", 1)
        cell, cell_line = lines_map[min(max(line, 1), len(lines_map)) - 1]
        col = f.evidence.get("col", 1)
        f.evidence.update(cell=cell, line=cell_line)
        f.where = [f"{path}:{cell_line}:{col}"]
    return findings


# Cell magics whose body is Python; the body of any other (`%%bash`, `%%html`) is not.
PYTHON_CELL_MAGICS = {"time", "timeit", "capture", "prun", "debug", "memit", "mprun", "profile"}
# IPython-only lines: `files = !ls`, `x = %timeit f()`, `obj?` (help).
IPYTHON_LINE = re.compile(r"^\s*[\w.,\s]+=\s*[!%]\w|^[^#'\"]*\?\s*$")


def _cell_lines(src: str) -> list[str]:
    """A cell's lines as IPython runs them: when the first line is indented, that indent is
    taken off every line that starts with it (IPython's `leading_indent` clean-up), so a cell
    pasted with a leading space still parses."""
    lines = src.splitlines()
    head = next((ln for ln in lines if ln.strip()), "")
    indent = head[: len(head) - len(head.lstrip())]
    if not indent:
        return lines
    return [ln[len(indent):] if ln.startswith(indent) else ln for ln in lines]


def notebook_source(raw: str) -> tuple[str, list[tuple[int, int]]]:
    """The code cells of a notebook joined into one text (magics and shell lines blanked, cells
    in another language left out), and for each line of it the (cell number from 1, line in
    cell)."""
    nb = json.loads(raw)
    out: list[str] = []
    where: list[tuple[int, int]] = []
    for i, cell in enumerate(nb.get("cells", []), start=1):
        if cell.get("cell_type") != "code":
            continue
        src = cell.get("source", "")
        src = "".join(src) if isinstance(src, list) else str(src)
        first = src.lstrip().split(None, 1)[0] if src.strip() else ""
        foreign = first.startswith("%%") and first[2:] not in PYTHON_CELL_MAGICS
        opener = False  # the last kept line opens a block (`if ...:`)
        for j, line in enumerate(_cell_lines(src), start=1):
            stripped = line.lstrip()
            ipython = stripped.startswith(("%", "!", "?")) or IPYTHON_LINE.search(line)
            if foreign or ipython:
                # A magic that is the first statement of a block is a statement to IPython:
                # blanking it would leave `if x:` with no body, so it stands as `pass`.
                kept = line[: len(line) - len(stripped)] + "pass" if opener and not foreign else ""
            else:
                kept = line
            out.append(kept)
            where.append((i, j))
            if kept.strip() and not kept.lstrip().startswith("#"):
                opener = kept.split("#", 1)[0].rstrip().endswith(":")
        out.append("")
        where.append((i, len(src.splitlines()) + 1))
    return "\n".join(out) + "\n", where


def lint_file(path: str, select: list[str] | None = None, ignore: list[str] | None = None) -> list[Finding]:
    """Findings for one .py or .ipynb file, with its pyproject config, `select` and `ignore`."""
    notebook = path.endswith(".ipynb")
    try:
        raw = read_text(path, MAX_NOTEBOOK_BYTES if notebook else MAX_SOURCE_BYTES)
    except Unreadable as exc:
        return [_unread(path, str(exc))]
    if notebook:
        try:
            text, lines_map = notebook_source(raw)
        except RecursionError:
            return [_unread(path, "not a notebook: nested too deeply to read")]
        except (ValueError, AttributeError, TypeError) as exc:
            return [_unread(path, f"not a notebook: {exc}")]
        size = len(text.encode("utf-8", "replace"))
        if size > MAX_SOURCE_BYTES:
            return [_unread(path, f"too large to lint: its code cells hold {size:,} bytes (the limit is {MAX_SOURCE_BYTES:,})")]
        findings = _lint_text(text, path, lines_map)
    else:
        findings = _lint_text(raw, path, on_disk=True)
    cfg = config.config_for(path)
    cfg_select = config.parse_codes(cfg.get("select"))
    cfg_ignore = config.parse_codes(cfg.get("ignore"))
    return [
        f for f in findings
        if config.selected(f.code, select or cfg_select, (ignore or []) + cfg_ignore)
    ]  # fmt: skip


def _unread(path: str, reason: str) -> Finding:
    """TVL000 for a file that was not read (or not as a notebook): the reason, at line 1."""
    ev = {"path": path, "line": 1, "col": 1}
    return UNPARSABLE.finding("error", reason, evidence=ev, where=[f"{path}:1:1"], fix=NOT_READ_FIX)


def collect(paths: list[str]) -> list[str]:
    """The .py and .ipynb files under `paths` (sorted; hidden and vendored folders skipped)."""
    files: list[str] = []
    for p in paths:
        if os.path.isdir(p):
            for root, dirs, names in os.walk(p):
                dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS and not d.startswith("."))
                files += [os.path.join(root, n) for n in sorted(names) if n.endswith((".py", ".ipynb"))]
        else:
            files.append(p)
    return files


def _lint_one(path: str, select: list[str], ignore: list[str]) -> list[Finding]:
    """lint_file, where a failure of ours (a bug, an exhausted stack or memory) costs this file
    (reported as TVL099), never the other files of the run."""
    try:
        return lint_file(path, select, ignore)
    except config.ConfigError:
        raise
    except Exception as exc:  # RecursionError and MemoryError included
        if engine.STRICT:
            raise
        why = f"lint could not judge this file ({type(exc).__name__}: {exc})"
        return [RULE_ERROR.finding("info", why, evidence={"path": path, "line": 1, "col": 0}, where=[f"{path}:1:0"])]


def lint_paths(
    paths: list[str], select: list[str] | None = None, ignore: list[str] | None = None, jobs: int | None = None
) -> list[Finding]:
    """Lint every file under `paths`; in parallel processes when there are many files.
    Raises FileNotFoundError for a path that does not exist, config.ConfigError for a
    `[tool.torchvitals.lint]` table of the wrong shape."""
    for p in paths:
        if not os.path.exists(p):
            raise FileNotFoundError(p)
    files = collect(list(paths))
    config.clear_cache()  # pyproject.toml files may have changed since the last call
    for f in files:  # a broken configuration stops the run here, with one clear message
        config.config_for(f)
    one = partial(_lint_one, select=config.parse_codes(select), ignore=config.parse_codes(ignore))
    jobs = jobs or os.cpu_count() or 1
    if len(files) < PARALLEL_FROM or jobs == 1:
        results = [one(f) for f in files]
    else:
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            results = list(pool.map(one, files, chunksize=max(1, len(files) // (jobs * 8))))
    found = [f for r in results for f in r]
    found.sort(key=lambda f: (f.evidence.get("path", ""), f.evidence.get("cell", 0), f.evidence.get("line", 0), f.evidence.get("col", 0), f.code))
    return found
