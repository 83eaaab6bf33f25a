"""The `# real:` header of a rewritten public script (benchmarks/real_code and
benchmarks/real_code_distributed): where it comes from, its default arguments, and the bugs
`--bug NAME` injects with the findings that must then be reported.

    # real: source=https://github.com/pytorch/examples/blob/main/dcgan/main.py
    # real: args=--upscale_factor 2
    # real: bug=d-not-zeroed expect=grads-not-cleared[,other-finding]
    # real: launch=spawn        (a distributed script that starts its own ranks: no --nproc)
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class Bug:
    name: str
    expect: list[str]


@dataclass
class Script:
    path: Path
    source: str = ""
    args: list[str] = field(default_factory=list)
    bugs: list[Bug] = field(default_factory=list)
    launch: str = "torchrun"  # "spawn": the script starts its own ranks (torch.multiprocessing)

    @property
    def name(self) -> str:
        return self.path.stem


def parse_header(path: Path) -> Script:
    """Read the `# real:` lines at the top of a script."""
    script = Script(path=path)
    for line in path.read_text().splitlines()[:20]:
        if not line.startswith("# real:"):
            continue
        key, _, value = line[len("# real:"):].strip().partition("=")
        key, value = key.strip(), value.strip()
        if key == "source":
            script.source = value
        elif key == "args":
            script.args = shlex.split(value)
        elif key == "launch":
            script.launch = value
        elif key == "bug":
            name, _, rest = value.partition(" ")
            rest = rest.strip()
            if not rest.startswith("expect="):
                raise ValueError(f"{path}: '# real: bug={value}' has no 'expect=' part")
            expect = [v.strip() for v in rest[len("expect="):].split(",") if v.strip()]
            script.bugs.append(Bug(name=name.strip(), expect=expect))
    if not script.source:
        raise ValueError(f"{path}: no '# real: source=…' header")
    return script


def discover(folder: Path, only: set[str] | None = None) -> list[Script]:
    """The scripts of `folder` (not its score.py, not private files), or those named in `only`."""
    return [parse_header(p) for p in sorted(folder.glob("*.py"))
            if p.name != "score.py" and not p.name.startswith("_") and (only is None or p.stem in only)]


def first_steps(findings: list[dict[str, Any]]) -> dict[str, int | None]:
    """Each finding name and the earliest iteration it was reported at."""
    found: dict[str, int | None] = {}
    for f in findings:
        prev = found.get(f["name"], "absent")
        step = f["step"]
        if prev == "absent" or (step is not None and (prev is None or step < prev)):
            found[f["name"]] = step
    return found
