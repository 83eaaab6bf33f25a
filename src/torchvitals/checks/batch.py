"""What every check shares: calling the model on a batch, the default loss, the input tensor
the leak checks differentiate against, and putting the user's model back exactly as it was."""

from __future__ import annotations

import contextlib
import copy
from collections.abc import Callable, Iterator
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

Batch = tuple[Any, torch.Tensor]
LossFn = Callable[[Any, torch.Tensor], torch.Tensor]


class Args:
    """A call's positional and keyword arguments, as a forward hook sees them: the inputs of a
    batch that `call` passes back the same way (`model(*args, **kwargs)`)."""

    __slots__ = ("args", "kwargs")

    def __init__(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        self.args, self.kwargs = tuple(args), dict(kwargs)


class Skipped(Exception):
    """Raised by a check that cannot judge; the message says why and which option enables it.
    `check(...)` puts it in `Diagnosis.unjudged`; a check called alone raises it to the caller."""


def split(batch: Any) -> Batch:
    """(inputs, target) from a batch; anything else is a usage error."""
    if not isinstance(batch, (tuple, list)) or len(batch) != 2:
        raise TypeError("batch must be (inputs, target)")
    return batch[0], batch[1]


def call(model: nn.Module, inputs: Any) -> Any:
    """Call the model the way the batch says: a tensor, a tuple of positional args or a dict
    of keyword args (or `Args`: both)."""
    if isinstance(inputs, Args):
        return model(*inputs.args, **inputs.kwargs)
    if isinstance(inputs, dict):
        return model(**inputs)
    if isinstance(inputs, (tuple, list)):
        return model(*inputs)
    return model(inputs)


def main_output(out: Any) -> torch.Tensor:
    """The tensor the loss is taken on: the output itself, `.logits`, a dict's `logits` or the
    first tensor of a tuple/dict."""
    if isinstance(out, torch.Tensor):
        return out
    if isinstance(out, dict):
        if isinstance(out.get("logits"), torch.Tensor):
            return out["logits"]
        out = list(out.values())
    if isinstance(getattr(out, "logits", None), torch.Tensor):
        return out.logits
    if isinstance(out, (tuple, list)):
        for o in out:
            if isinstance(o, torch.Tensor):
                return o
    raise TypeError(f"cannot find a tensor in the model's output ({type(out).__name__})")


# Keys tried first when the inputs are a dict, in this order.
_PRIMARY_KEYS = ("input_ids", "x", "inputs", "input", "src")


def primary(inputs: Any) -> tuple[torch.Tensor, Callable[[torch.Tensor], Any]]:
    """The main input tensor (the one carrying batch, time and features) and a function that
    rebuilds `inputs` with it replaced."""
    if isinstance(inputs, torch.Tensor):
        return inputs, lambda t: t
    if isinstance(inputs, Args):
        if any(isinstance(a, torch.Tensor) for a in inputs.args):
            x, put = primary(inputs.args)
            return x, lambda t: Args(put(t), inputs.kwargs)
        x, put = primary(inputs.kwargs)
        return x, lambda t: Args(inputs.args, put(t))
    if isinstance(inputs, dict):
        keys = [k for k in _PRIMARY_KEYS if isinstance(inputs.get(k), torch.Tensor)]
        keys += [k for k, v in inputs.items() if isinstance(v, torch.Tensor)]
        if not keys:
            raise TypeError("no tensor among the inputs")
        key = keys[0]
        return inputs[key], lambda t: {**inputs, key: t}
    if isinstance(inputs, (tuple, list)):
        for i, v in enumerate(inputs):
            if isinstance(v, torch.Tensor):
                return v, lambda t, i=i: type(inputs)([*inputs[:i], t, *inputs[i + 1 :]])
        raise TypeError("no tensor among the inputs")
    raise TypeError(f"unsupported inputs type {type(inputs).__name__}")


def default_loss(target: torch.Tensor) -> tuple[LossFn, str]:
    """Cross-entropy for class indices, MSE for float targets; returns (loss_fn, kind)."""
    if target.is_floating_point():
        return (lambda out, y: F.mse_loss(main_output(out), y)), "mse"
    return cross_entropy, "cross_entropy"


def cross_entropy(out: Any, y: torch.Tensor) -> torch.Tensor:
    """Cross-entropy over the last dimension, for (N, C) or (N, T, C) logits."""
    logits = main_output(out)
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1))


def loss_kind(loss_fn: Any) -> str | None:
    """'cross_entropy' or 'mse' when the loss is recognised, else None."""
    if isinstance(loss_fn, nn.CrossEntropyLoss) or loss_fn in (F.cross_entropy, cross_entropy):
        return "cross_entropy"
    if isinstance(loss_fn, nn.MSELoss) or loss_fn is F.mse_loss:
        return "mse"
    return getattr(loss_fn, "_torchvitals_kind", None)


def resolve_loss(
    loss_fn: LossFn | None, target: torch.Tensor
) -> tuple[LossFn, str | None, str | None]:
    """(loss_fn, kind, note): the user's loss, or the default with a note saying which."""
    if loss_fn is not None:
        return loss_fn, loss_kind(loss_fn), None
    fn, kind = default_loss(target)
    fn._torchvitals_kind = kind  # type: ignore[attr-defined]
    what = "class indices" if kind == "cross_entropy" else "float values"
    return fn, kind, f"no loss_fn given: the target holds {what}, so the checks used {kind}"


# Adam at 3e-3: Karpathy's "3e-4 is the best learning rate for Adam" is for long runs; on one
# batch a few times larger memorizes within the step budget without diverging on small models.
DEFAULT_LR = 3e-3


def rebuild_optimizer(
    optimizer: torch.optim.Optimizer | None, params: Any
) -> torch.optim.Optimizer:
    """A new optimizer of the user's class and hyperparameters over `params`, or Adam(lr=3e-3).
    A scheduler's `initial_lr` wins over the current (warm-up) lr."""
    if optimizer is None:
        return torch.optim.Adam(params, lr=DEFAULT_LR)
    group = optimizer.param_groups[0]
    hyper = {k: v for k, v in group.items() if k in optimizer.defaults}
    if "initial_lr" in group:
        hyper["lr"] = group["initial_lr"]
    return type(optimizer)(params, **hyper)


def device_of(model: nn.Module) -> torch.device:
    for p in model.parameters():
        return p.device
    for b in model.buffers():
        return b.device
    return torch.device("cpu")


@contextlib.contextmanager
def preserved(model: nn.Module) -> Iterator[None]:
    """Run a block and then put back the model's parameters, buffers, gradients, requires_grad
    flags, train/eval mode of every submodule and the torch RNG state (CPU and CUDA)."""
    with torch.no_grad():
        params = {n: (p.detach().clone(), p.requires_grad, p.grad) for n, p in _params(model)}
        buffers = {n: b.detach().clone() for n, b in _buffers(model)}
    modes = {m: m.training for m in model.modules()}
    cpu_rng = torch.get_rng_state()
    cuda_rng = torch.cuda.get_rng_state_all() if torch.cuda.is_initialized() else None
    try:
        yield
    finally:
        with torch.no_grad():
            for n, p in _params(model):
                value, req, grad = params[n]
                p.copy_(value)
                p.requires_grad_(req)
                p.grad = grad
            for n, b in _buffers(model):
                if n in buffers and b.shape == buffers[n].shape:
                    b.copy_(buffers[n])
        for m, mode in modes.items():
            m.training = mode
        torch.set_rng_state(cpu_rng)
        if cuda_rng is not None:
            torch.cuda.set_rng_state_all(cuda_rng)


def _params(model: nn.Module) -> list[tuple[str, nn.Parameter]]:
    return list(model.named_parameters(remove_duplicate=False))


def _buffers(model: nn.Module) -> list[tuple[str, torch.Tensor]]:
    return [(n, b) for n, b in model.named_buffers(remove_duplicate=False) if b is not None]


def training_copy(model: nn.Module) -> nn.Module:
    """A deep copy to train on, in train mode, so the user's model is never stepped."""
    twin = copy.deepcopy(model)
    twin.train()
    return twin


def local_generator(device: torch.device, seed: int = 0) -> torch.Generator:
    """A private generator, so the checks' random numbers never touch the user's RNG stream."""
    g = torch.Generator(device=device)
    g.manual_seed(seed)
    return g
