"""How probes attach to the user's objects without leaving anything in them.

A user's script may pickle its model (`torch.save(model, f)`, `pickle.dumps`, sending it to a
worker process), deep-copy it (an EMA or best-model copy), or save a scheduler's `state_dict()`
(which is the scheduler's whole `__dict__`). None of that may see torchvitals:

- Method taps (`tap`): a call to `obj.zero_grad()`, `scheduler.step()` or `scaler.update()` is
  observed by replacing the method on the class that defines it, with a wrapper that looks the
  called object up in a table of watched objects (objects not watched pass straight through).
  Nothing is set on the object. The class attribute is restored when the last watcher leaves.
- Module hooks (`WeakHook`, `hide_hooks`): PyTorch keeps forward hooks in the module's own
  `__dict__`, so a pickled or copied module would carry them (and a closure cannot be pickled at
  all). While a module is watched, its class has a reducer in `copyreg.dispatch_table` that
  pickles and copies the module without torchvitals' hooks; anything else in it is untouched.
  The reducer is removed again when no watched module of that class is left.

Parameters' tensor hooks need nothing: PyTorch never pickles or copies them.

Warnings (`attributed_warnings`): a wrapper adds a frame between the user's call and PyTorch,
so a PyTorch warning that names its caller's line (`stacklevel=2`) would name torchvitals'
wrapper instead. While taps are in place, `warnings.warn` skips torchvitals' own frames when it
finds the line to name; a warning whose line is outside torchvitals is not touched.
"""

from __future__ import annotations

import copyreg
import functools
import os
import sys
import threading
import warnings
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


class WeakHook:
    """A hook that calls `target.<method>(*bound, *args)` through a weak reference: it keeps
    neither the target nor the hooked object alive, and does nothing once the target is gone."""

    __slots__ = ("_ref", "_method", "_bound", "__weakref__")
    __torch_unserializable__ = True  # a tensor hook PyTorch must not warn about when saving

    def __init__(self, target: Any, method: str, *bound: Any) -> None:
        self._ref = weakref.ref(target)
        self._method = method
        self._bound = bound

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        target = self._ref()
        if target is None:
            return None
        return getattr(target, self._method)(*self._bound, *args, **kwargs)


# ---------------------------------------------------------------------------- module hooks

_hidden_lock = threading.Lock()
_hidden: dict[type, list[Any]] = {}  # class → [watched module count, the reducer it had before]


def hide_hooks(cls: type) -> None:
    """Pickle and copy modules of class `cls` without WeakHooks, until `unhide_hooks(cls)` has
    been called as often as this."""
    with _hidden_lock:
        entry = _hidden.get(cls)
        if entry is None:
            entry = _hidden[cls] = [0, copyreg.dispatch_table.get(cls)]
            copyreg.dispatch_table[cls] = _reduce_without_hooks
        entry[0] += 1


def unhide_hooks(cls: type) -> None:
    with _hidden_lock:
        entry = _hidden.get(cls)
        if entry is None:
            return
        entry[0] -= 1
        if entry[0] > 0:
            return
        del _hidden[cls]
        if copyreg.dispatch_table.get(cls) is _reduce_without_hooks:
            if entry[1] is None:
                del copyreg.dispatch_table[cls]
            else:
                copyreg.dispatch_table[cls] = entry[1]


def _reduce_without_hooks(obj: Any) -> Any:
    entry = _hidden.get(type(obj))
    before = entry[1] if entry is not None else None
    rv = before(obj) if before is not None else obj.__reduce_ex__(4)
    if not isinstance(rv, tuple) or len(rv) < 3 or not isinstance(rv[2], dict):
        return rv
    return (rv[0], rv[1], without_hooks(rv[2]), *rv[3:])


def without_hooks(state: dict[str, Any]) -> dict[str, Any]:
    """A module's state with torchvitals' hooks (and their flags) taken out; the same dict
    when there are none."""
    ids = {
        i
        for key, table in state.items()
        if key.endswith("hooks") and isinstance(table, dict)
        for i, h in table.items()
        if isinstance(h, WeakHook)
    }
    if not ids:
        return state
    out = dict(state)
    for key, table in state.items():
        if "hooks" in key and isinstance(table, dict) and any(i in ids for i in table):
            out[key] = type(table)((i, h) for i, h in table.items() if i not in ids)
    return out


# ---------------------------------------------------------------------------- warnings

_PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep
_warn_lock = threading.Lock()
_warn_state: list[Any] = [0, None]  # holders, the warnings.warn we replaced


def _warn(message: Any, category: Any = None, stacklevel: int = 1, source: Any = None, **kwargs: Any) -> Any:
    """warnings.warn, naming the first frame outside torchvitals at or above the one asked for."""
    real = _warn_state[1] or warnings.warn
    extra = 1  # this function's own frame
    try:
        frame = sys._getframe(1)
        for _ in range(max(int(stacklevel), 1) - 1):
            frame = frame.f_back if frame is not None else None
        while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE):
            frame = frame.f_back
            extra += 1
    except Exception:
        extra = 1
    return real(message, category, max(int(stacklevel), 1) + extra, source, **kwargs)


def attributed_warnings(hold: bool) -> None:
    """Install (hold=True) or release the warnings.warn above; counted, so nested holders work."""
    with _warn_lock:
        if hold:
            if _warn_state[0] == 0 and warnings.warn is not _warn:
                _warn_state[1] = warnings.warn
                warnings.warn = _warn
            _warn_state[0] += 1
        elif _warn_state[0] > 0:
            _warn_state[0] -= 1
            if _warn_state[0] == 0 and warnings.warn is _warn:
                warnings.warn = _warn_state[1]
                _warn_state[1] = None


# ---------------------------------------------------------------------------- method taps


@dataclass
class _Watcher:
    ref: weakref.ref[Any]
    before: Callable[[Any], Any]
    after: Callable[[Any, Any, tuple, dict], None] | None


@dataclass
class _Patch:
    original: Any
    wrapper: Any = None
    watchers: dict[int, list[_Watcher]] = field(default_factory=dict)
    # ids of objects inside this tapped method (an override calling super(), a method calling
    # itself): only the outermost call is observed. Two threads in the same object's method at
    # once would be a race in the user's code already.
    busy: set[int] = field(default_factory=set)


_patches: dict[tuple[type, str], _Patch] = {}


def _owner(obj: Any, name: str) -> type:
    for cls in type(obj).__mro__:
        if name in vars(cls):
            return cls
    raise AttributeError(f"{type(obj).__name__} has no method {name}")


def _make_wrapper(patch: _Patch) -> Any:
    original = patch.original

    @functools.wraps(original)
    def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
        key = id(self)
        watchers = patch.watchers.get(key)
        if not watchers:
            return original(self, *args, **kwargs)
        busy = patch.busy
        if key in busy:
            return original(self, *args, **kwargs)
        busy.add(key)
        try:
            seen = [(w, w.before(self)) for w in list(watchers) if w.ref() is self]
            result = original(self, *args, **kwargs)
            for w, token in seen:
                if w.after is not None:
                    w.after(self, token, args, kwargs)
            return result
        finally:
            busy.discard(key)

    wrapper.__torchvitals_tap__ = True  # type: ignore[attr-defined]
    return wrapper


class Taps:
    """The method taps one monitor holds; `remove()` takes all of them away."""

    def __init__(self) -> None:
        self._held: list[tuple[_Patch, int, _Watcher]] = []

    def tap(
        self,
        obj: Any,
        name: str,
        before: Callable[[Any], Any],
        after: Callable[[Any, Any, tuple, dict], None] | None = None,
    ) -> None:
        """Call `before(obj)` before every `obj.<name>(...)`, and `after(obj, what before
        returned, args, kwargs)` after it. Callbacks must not raise."""
        cls = _owner(obj, name)
        patch = _patches.get((cls, name))
        if patch is None or vars(cls).get(name) is not patch.wrapper:
            patch = _Patch(original=vars(cls)[name])
            patch.wrapper = _make_wrapper(patch)
            setattr(cls, name, patch.wrapper)
            _patches[(cls, name)] = patch
        w = _Watcher(weakref.ref(obj), before, after)
        patch.watchers.setdefault(id(obj), []).append(w)
        if not self._held:
            attributed_warnings(True)
        self._held.append((patch, id(obj), w))

    def holds(self, obj: Any, name: str) -> bool:
        return any(w.ref() is obj for patch, _, w in self._held if _name_of(patch) == name)

    def remove(self) -> None:
        if self._held:
            attributed_warnings(False)
        for patch, key, w in self._held:
            lst = patch.watchers.get(key, [])
            if w in lst:
                lst.remove(w)
            if not lst:
                patch.watchers.pop(key, None)
        self._held = []
        for (cls, name), patch in list(_patches.items()):
            if not patch.watchers and vars(cls).get(name) is patch.wrapper:
                setattr(cls, name, patch.original)
                del _patches[(cls, name)]


def _name_of(patch: _Patch) -> str:
    return getattr(patch.original, "__name__", "")
