"""What is watched: the root models, every parameter (indexed once, by identity), the modules
whose behaviour differs in eval(), and the layout the record's header describes them with.
Takes stock; measures nothing."""

from __future__ import annotations

import weakref
from typing import Any, Protocol

import torch
from torch import nn

from torchvitals.names import (
    bare_tensor_name,
    buckets_for,
    short_names,
    unwrap_compiled,
    variable_name,
)
from torchvitals.record import rounded

# Modules whose behaviour differs between train() and eval(): only these make eval mode matter.
MODE_TYPES: tuple[type[nn.Module], ...] = (
    nn.modules.dropout._DropoutNd,
    nn.modules.batchnorm._BatchNorm,
    nn.modules.instancenorm._InstanceNorm,
)


class Watched(Protocol):
    """An optimizer as the inventory sees it (probes/sample.py OptState)."""

    idx: int
    kind: str
    ref: Any
    pidx: list[int]
    params: list[torch.Tensor]


def is_mode_module(mod: nn.Module) -> bool:
    """Dropout (with p > 0) or batch norm: a layer whose behaviour train()/eval() changes."""
    return isinstance(mod, MODE_TYPES) and not (isinstance(mod, nn.modules.dropout._DropoutNd) and mod.p == 0)


def active_mode_modules(model: nn.Module) -> list[weakref.ref[nn.Module]]:
    """The model's dropout and batch-norm layers, to ask later whether any is in train()."""
    return [weakref.ref(m) for m in model.modules() if is_mode_module(m)]


class Inventory:
    def __init__(self, depth: int) -> None:
        self.depth = depth  # name segments that make a bucket
        self.names: list[str] = []
        self.bare: set[int] = set()  # positions of tensors no watched module holds (add_bare)
        self.tensors: list[torch.Tensor] = []
        self.index: dict[int, int] = {}  # id(parameter) → its position
        self.roots: list[weakref.ref[nn.Module]] = []
        self.prefixes: list[str] = []  # each root's name prefix ("G." of a GAN's generator)
        self.mode_modules: list[tuple[str, weakref.ref[nn.Module]]] = []
        self.free: list[int] = []  # trainable, in no optimizer
        self.frozen_free: list[int] = []  # frozen, in no optimizer
        self.free_params: list[torch.Tensor] = []  # both, measured with the first optimizer
        self.modelled: set[int] = set()  # ids of the parameters a watched model held when added
        self.gone: set[int] = set()  # ... and holds no longer, as of the latest layout (`departed`)

    @property
    def device(self) -> torch.device:
        return self.tensors[0].device if self.tensors else torch.device("cpu")

    def live_roots(self) -> list[nn.Module]:
        return [m for r in self.roots if (m := r()) is not None]

    def named_roots(self) -> list[tuple[str, nn.Module]]:
        """The live roots with the prefix their parameters' names get."""
        return [(pre, m) for r, pre in zip(self.roots, self.prefixes, strict=True) if (m := r()) is not None]

    def held(self) -> set[int] | None:
        """Ids of the parameters the watched models hold now; None without a watched model, or
        while one of them is gone (nothing to compare with)."""
        roots = self.live_roots()
        if not roots or len(roots) < len(self.roots):
            return None
        return {id(p) for m in roots for p in m.parameters()}

    def departed_positions(self, held: set[int] | None) -> list[int]:
        """Positions of parameters a watched model held and holds no longer (a head replaced
        after the optimizer was made: the optimizer still updates the old one, which the model
        no longer uses); kept as `gone` for the sampler. `held`: `self.held()`."""
        self.gone = set() if held is None else self.modelled - held
        return sorted(self.index[i] for i in self.gone if i in self.index)

    def unowned_positions(self, in_opt: set[int], held: set[int] | None) -> list[int]:
        """Positions of optimizer-held parameters that no watched model holds, nor ever did (a
        module replaced before watch() but after the optimizer was made, or a bare tensor)."""
        if held is None:
            return []
        return sorted(i for i in in_opt if id(self.tensors[i]) not in held and id(self.tensors[i]) not in self.modelled)

    def holds_root(self, m: nn.Module) -> bool:
        return any(r() is m for r in self.roots)

    def add_model(self, m: nn.Module, prefix: str) -> None:
        self.roots.append(weakref.ref(m))
        self.prefixes.append(prefix)
        for n, p in unwrap_compiled(m).named_parameters():  # a compiled model's names are the model's
            self.add_param(prefix + n, p)
            self.modelled.add(id(p))
        for n, mod in unwrap_compiled(m).named_modules():
            if is_mode_module(mod):
                self.mode_modules.append((prefix + n, weakref.ref(mod)))

    def add_param(self, name: str, p: torch.Tensor) -> int:
        if id(p) not in self.index:
            self.index[id(p)] = len(self.tensors)
            self.names.append(name)
            self.tensors.append(p)
        return self.index[id(p)]

    def add_bare(self, opt: int, group: int, i: int, p: torch.Tensor) -> int:
        """A tensor optimizer `opt` holds that no watched module does (SAC's log_alpha, an image
        optimized through a fixed network): named after the script's variable for it, if any."""
        if id(p) in self.index:
            return self.index[id(p)]
        pos = self.add_param(variable_name(p) or bare_tensor_name(opt, group, i), p)
        self.bare.add(pos)
        return pos

    def train_mode(self) -> bool:
        """False when the model trains in eval() mode: a root is in eval(), no module holding
        trainable parameters is in train() mode (model.train() forgotten), and dropout or
        batch-norm layers are there to behave differently. Managing modes part by part (a
        frozen backbone kept in eval(), a head in train()) is not that."""
        for r in self.roots:  # the common case, without building a list: every root in train()
            m = r()
            if m is not None and not m.training:
                break
        else:
            return True
        roots = self.live_roots()
        for m in roots:
            for mod in m.modules():
                if mod.training and any(p.requires_grad for p in mod.parameters(recurse=False)):
                    return True
        return not any((mm := ref()) is not None and not mm.training for _, ref in self.mode_modules)

    def layout(self, opts: list[Watched]) -> dict[str, Any]:
        """Index every optimizer's parameters (adding ones the model does not own) and return
        the header's layout part: parameters, optimizers with groups, free and frozen ones."""
        specs = []
        in_opt: set[int] = set()
        for o in opts:
            opt = o.ref()
            groups, pidx = [], []
            names = getattr(opt, "param_names", None)
            for j, g in enumerate(opt.param_groups if opt is not None else []):
                gidx = [
                    self.add_param(names[i], p) if names and j == 0 and i < len(names) else self.add_bare(o.idx, j, i, p)
                    for i, p in enumerate(g["params"])
                ]
                groups.append({"lr": rounded(g.get("lr")), "params": gidx})
                pidx.extend(gidx)
            in_opt.update(pidx)
            o.pidx, o.params = pidx, [self.tensors[i] for i in pidx]
            specs.append({"type": o.kind, "groups": groups})
        tensors = self.tensors
        held = self.held()
        self.free = [i for i, p in enumerate(tensors) if p.requires_grad and i not in in_opt]
        # Frozen when watched and in no optimizer: measured too, so that one unfrozen later
        # without being added to the optimizer (a backbone) shows up with its gradients.
        self.frozen_free = [i for i, p in enumerate(tensors) if not p.requires_grad and i not in in_opt]
        self.free_params = [tensors[i] for i in self.free + self.frozen_free]
        bks = buckets_for(self.names, self.depth)
        # A bare tensor named after its variable is a bucket of its own, not the root module's.
        bks = [n if i in self.bare and "." not in n else b for i, (n, b) in enumerate(zip(self.names, bks, strict=True))]
        shorts = short_names(self.names)
        params = [
            {
                "name": n,
                "short": s,
                "bucket": b,
                "shape": list(p.shape),
                "numel": p.numel(),
                "ndim": p.dim(),
                "dtype": str(p.dtype).replace("torch.", ""),
                "trainable": bool(p.requires_grad),
                **({"bare": True} if i in self.bare else {}),
            }
            for i, (n, s, b, p) in enumerate(zip(self.names, shorts, bks, tensors, strict=True))
        ]
        return {
            "params": params,
            "optimizers": specs,
            "free": self.free,
            "frozen_free": self.frozen_free,
            "frozen_in_optimizer": [i for i in sorted(in_opt) if not tensors[i].requires_grad],
            "departed": self.departed_positions(held),
            "unowned": self.unowned_positions(in_opt, held),
            "attribute_freezes": self.attribute_freezes(),
        }

    def attribute_freezes(self) -> list[dict[str, Any]]:
        """Modules given `requires_grad = False` as a plain attribute, whose parameters still
        require gradients: nn.Module has no such attribute, so the assignment froze nothing.
        The outermost such module of each kind, with its trainable parameters' positions."""
        out: list[dict[str, Any]] = []
        seen: set[int] = set()
        for root in self.live_roots():
            for name, mod in root.named_modules():
                if vars(mod).get("requires_grad") is not False:
                    continue
                own = [(n, self.index[id(p)]) for n, p in mod.named_parameters() if p.requires_grad and id(p) in self.index]
                idx = [i for _, i in own]
                if idx and not seen.issuperset(idx):
                    seen.update(idx)
                    local = f"{name}.{own[0][0]}" if name else own[0][0]
                    full = self.names[own[0][1]]  # the watched name: the root's prefix + local
                    path = full[: len(full) - len(local)] + name if full.endswith(local) else name
                    out.append({"module": path.rstrip(".") or "(the model)", "params": idx})
        return out

    def release(self) -> None:
        """Drop every reference to the user's tensors (at close)."""
        self.free_params = []
        self.tensors = []
