"""`torchvitals run` and the Hugging Face Trainer: a Trainer the script makes gets a
`VitalsCallback` (integrations/transformers.py), without importing transformers ourselves.

transformers takes seconds to import, and a plain PyTorch script never needs it: nothing is
imported here. When the script has imported `transformers.trainer` already, `Trainer.__init__`
is wrapped at once; otherwise a finder on `sys.meta_path` waits for that module to be loaded
(transformers loads it lazily, on the first `transformers.Trainer`) and wraps it then.
"""

from __future__ import annotations

import importlib.abc
import importlib.util
import sys
from collections.abc import Callable
from typing import Any

MODULE = "transformers.trainer"


class _AfterImport(importlib.abc.MetaPathFinder):
    """Runs `then(module)` once `MODULE` has been executed."""

    def __init__(self, then: Callable[[Any], None]) -> None:
        self.then = then
        self.busy = False

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> Any:
        if name != MODULE or self.busy:
            return None
        self.busy = True  # the real finders answer; this one steps aside
        try:
            spec = importlib.util.find_spec(name)
        finally:
            self.busy = False
        loader = getattr(spec, "loader", None)
        if loader is None or not hasattr(loader, "exec_module"):
            return None
        execute, then = loader.exec_module, self.then

        def exec_module(module: Any) -> None:
            execute(module)
            then(module)

        loader.exec_module = exec_module
        return spec


def watch_trainers() -> Callable[[], None]:
    """Give every Trainer made from now on a VitalsCallback; returns the undo. Never raises
    into the script: a failure to wrap is said once by the caller's guard."""
    undo: list[Callable[[], None]] = []

    def wrap(module: Any) -> None:
        try:
            from torchvitals.integrations.transformers import add_to_trainers

            undo.append(add_to_trainers(module.Trainer))
        except Exception as exc:
            from torchvitals.sinks import console

            console.say(sys.stderr, f"torchvitals: watching the Trainer failed ({type(exc).__name__}: {exc}); the script goes on")

    if MODULE in sys.modules:
        wrap(sys.modules[MODULE])
        finder = None
    else:
        finder = _AfterImport(wrap)
        sys.meta_path.insert(0, finder)

    def remove() -> None:
        if finder is not None and finder in sys.meta_path:
            sys.meta_path.remove(finder)
        while undo:
            undo.pop()()

    return remove
