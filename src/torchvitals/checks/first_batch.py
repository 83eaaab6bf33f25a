"""The preflight that `watch()` and `torchvitals run` run by themselves, once, on the first
training batch (issue 17): the cheap checks that need no target and change nothing.

- batch-mixing: one eval() forward and one gradient of one sample's output (checks/leaks.py),
  with the batch dimension taken from the DataLoader's batch size when one is known, and the
  mixing a model can mean on purpose (in-batch contrastive logits, a graph whose nodes are the
  batch, normalization over a batch_first=False sequence) told apart from a bug;
- dropout in eval(): two no_grad eval() forwards under different seeds, with the functional
  calls that draw random numbers (F.dropout with training=True, scaled_dot_product_attention
  with dropout_p > 0) caught on the way.

The initial loss needs the target and the loss function, which only the script's own loss call
holds: the monitor judges the first observed loss (`init_loss_seen`); no extra forward.

Everything runs inside `preserved` (parameters, buffers, gradients, modes, RNG states), with
no_grad or a gradient taken only with respect to a copy of the input: the user's parameters
never get a `.grad` from it, and the training that follows is bit-identical."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn
from torch.overrides import TorchFunctionMode

from torchvitals.checks.batch import Args, Skipped, call, device_of, main_output, preserved, primary
from torchvitals.checks.leaks import BATCH_MIXING, batch_mixing
from torchvitals.checks.overfit import judge_init_loss
from torchvitals.checks.saveload import DROPOUT_ACTIVE
from torchvitals.findings import Finding
from torchvitals.names import compact

# Two eval() outputs of the same batch count as equal within this tolerance: bit-identical on
# CPU; the slack covers CUDA kernels that pick a nondeterministic algorithm. Dropout changes
# outputs by O(1), far outside it.
RTOL = 1e-4
ATOL = 1e-5
# Seeds of the two dropout-check forwards (set on private RNG state; the user's is restored).
SEEDS = (1234, 4321)

# Functional calls that drop at random when active: name → (position of p, of training) in
# F.<name>'s signature, with training's default.
_DROPOUTS = {
    F.dropout: ("dropout", 1, 2, True),
    F.dropout1d: ("dropout1d", 1, 2, True),
    F.dropout2d: ("dropout2d", 1, 2, True),
    F.dropout3d: ("dropout3d", 1, 2, True),
    F.alpha_dropout: ("alpha_dropout", 1, 2, False),
    F.feature_alpha_dropout: ("feature_alpha_dropout", 1, 2, False),
}
_SEQUENCE_MODULES = (nn.RNNBase, nn.MultiheadAttention, nn.TransformerEncoderLayer, nn.TransformerDecoderLayer)


@dataclass
class Preflight:
    """What the preflight found, what it could not judge (check name → why) and its cost."""

    findings: list[Finding] = field(default_factory=list)
    unjudged: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0


def first_batch(model: nn.Module, args: tuple[Any, ...], kwargs: dict[str, Any], batch_size: int | None = None) -> Preflight:
    """Run batch-mixing and dropout-in-eval on the inputs of one forward call of `model`;
    `batch_size` is the DataLoader's, when known (it tells where the batch lies). Never raises:
    a check that fails or cannot judge is in `unjudged`. The model leaves bit-identical."""
    t0 = time.perf_counter()
    result = Preflight()
    inputs = Args(args, kwargs)
    for name, check in (("batch-mixing", _mixing), ("dropout-active", dropout_in_eval)):
        try:
            result.findings += check(model, inputs, batch_size) if check is _mixing else check(model, inputs)
        except Skipped as why:
            result.unjudged[name] = str(why)
        except Exception as exc:  # the model cannot run this way: say so, never raise
            result.unjudged[name] = f"check error: {type(exc).__name__}: {exc}"
    result.seconds = time.perf_counter() - t0
    for f in result.findings:
        f.step = 1
    return result


# ---------------------------------------------------------------------------- batch mixing
def batch_dim(model: nn.Module, x: torch.Tensor, batch_size: int | None) -> tuple[int, bool]:
    """(dimension of the batch in input `x`, whether that is certain). The DataLoader's batch
    size decides when it matches one of the first two dimensions and not both; otherwise it is
    dimension 0, uncertain when a sequence layer with batch_first=False may read dimension 1."""
    if x.dim() == 0:
        raise Skipped("the input is a scalar: no batch dimension")
    if batch_size is not None and x.dim() >= 2:
        hits = [d for d in (0, 1) if x.shape[d] == batch_size]
        if len(hits) == 1:
            return hits[0], True
    if batch_size is not None and x.shape[0] == batch_size:
        return 0, True
    if batch_size is not None and x.shape[0] < batch_size and x.dim() >= 1:
        return 0, True  # the last, smaller batch of an epoch
    seq_first = any(isinstance(m, _SEQUENCE_MODULES) and not getattr(m, "batch_first", False) for m in model.modules())
    return 0, not seq_first


def _mixing(model: nn.Module, inputs: Args, batch_size: int | None) -> list[Finding]:
    x, _ = primary(inputs)
    dim, certain = batch_dim(model, x, batch_size)
    found = batch_mixing(model, (inputs, None), batch_dim=dim)
    if not found:
        return []
    f = found[0]
    why = _intended(model, inputs, x, dim) or ("" if certain else _AMBIGUOUS)
    if why:
        f.severity = "info"
        f.message += f". This may be on purpose: {why}"
        f.evidence["maybe_intended"] = why
    return [f]


_AMBIGUOUS = (
    "the model has a sequence layer with batch_first=False, so dimension 0 may be time, not the "
    "batch (pass the batch through a DataLoader, or use batch_first=True, to let this be judged)"
)


def _intended(model: nn.Module, inputs: Args, x: torch.Tensor, dim: int) -> str:
    """Why mixing the batch may be what the model means ("" when it looks like a bug)."""
    n = x.shape[dim]
    others = [t for t in (*inputs.args, *inputs.kwargs.values()) if isinstance(t, torch.Tensor) and t is not x]
    for t in others:
        if t.dim() >= 2 and t.shape[-1] == n and t.shape[-2] == n:
            return f"another input {tuple(t.shape)} relates every sample to every other (a graph's adjacency?)"
        if not t.is_floating_point() and t.dim() == 2 and t.shape[0] == 2 and t.shape[1] != n:
            return f"another input {tuple(t.shape)} looks like a graph's edge index"
    stats = [n_ for n_, m in model.named_modules() if isinstance(m, nn.modules.batchnorm._BatchNorm) and m.running_mean is None]
    if stats:
        return f"{compact(stats)} normalize with batch statistics in eval() too (track_running_stats=False)"
    if _output_grows_with_batch(model, inputs, x, dim):
        return "the output's shape depends on the batch size (in-batch similarity logits, as in contrastive learning?)"
    return ""


def _output_grows_with_batch(model: nn.Module, inputs: Args, x: torch.Tensor, dim: int) -> bool:
    """Whether the output's non-batch dimensions change when the batch is halved."""
    n = x.shape[dim]
    half = n // 2

    def cut(t: Any) -> Any:
        if isinstance(t, torch.Tensor) and t.dim() > dim and t.shape[dim] == n:
            return t.narrow(dim, 0, half)
        return t

    small = Args(tuple(cut(a) for a in inputs.args), {k: cut(v) for k, v in inputs.kwargs.items()})
    with preserved(model), torch.no_grad():
        model.eval()
        full = main_output(call(model, inputs)).shape
        try:
            part = main_output(call(model, small)).shape
        except Exception:
            return False
    rest = [s for i, s in enumerate(full) if i != dim]
    return len(full) != len(part) or rest != [s for i, s in enumerate(part) if i != dim]


# ---------------------------------------------------------------------------- dropout in eval()
class _RandomCalls(TorchFunctionMode):
    """Notes the functional calls that drop at random when active, as they happen."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: list[str] = []

    def __torch_function__(self, func: Any, types: Any, args: Any = (), kwargs: Any = None) -> Any:
        kwargs = kwargs or {}
        try:
            self._note(func, args, kwargs)
        except Exception:
            pass
        return func(*args, **kwargs)

    def _note(self, func: Any, args: Any, kwargs: dict[str, Any]) -> None:
        spec = _DROPOUTS.get(func)
        if spec is not None:
            name, at_p, at_training, default = spec
            p = args[at_p] if len(args) > at_p else kwargs.get("p", 0.5)
            training = args[at_training] if len(args) > at_training else kwargs.get("training", default)
            if training and float(p) > 0:
                self.seen.append(f"F.{name}(p={float(p):g}, training=True)")
        elif func is F.scaled_dot_product_attention:
            p = args[4] if len(args) > 4 else kwargs.get("dropout_p", 0.0)
            if float(p) > 0:
                self.seen.append(f"F.scaled_dot_product_attention(dropout_p={float(p):g})")


def _seed(device: torch.device, seed: int) -> None:
    torch.default_generator.manual_seed(seed)
    if device.type == "cuda":
        torch.cuda.manual_seed(seed)


def dropout_in_eval(model: nn.Module, inputs: Any) -> list[Finding]:
    """`dropout-active` (warning) when two no_grad forwards in eval() of the same inputs under
    different seeds differ and a functional dropout (or SDPA's dropout_p) was active; info when
    they differ through other random draws (a VAE's sampling may be meant)."""
    device = device_of(model)
    with preserved(model), torch.no_grad():
        model.eval()
        spy = _RandomCalls()
        _seed(device, SEEDS[0])
        with spy:
            a = main_output(call(model, inputs)).detach()
        _seed(device, SEEDS[1])
        b = main_output(call(model, inputs)).detach()
    if a.shape != b.shape or not a.is_floating_point():
        raise Skipped("the model's eval() output is not a float tensor of one shape")
    if torch.allclose(a, b, rtol=RTOL, atol=ATOL, equal_nan=True):
        return []
    diff = float((a.float() - b.float()).abs().max())
    calls = list(dict.fromkeys(spy.seen))
    evidence = {"max_abs_diff": diff if math.isfinite(diff) else None, "calls": calls}
    if calls:
        msg = (
            f"in eval() two calls of the model on the same batch differ (max |diff| {diff:.3g}): "
            f"{compact(calls)} still drop(s) in eval() — every evaluation and prediction is noisy"
        )
        return [DROPOUT_ACTIVE.finding("warning", msg, evidence=evidence)]
    msg = (
        f"in eval() two calls of the model on the same batch differ (max |diff| {diff:.3g}) "
        "through random draws that are not dropout (sampling, noise): fine for a generative "
        "model, a bug for a deterministic one"
    )
    return [DROPOUT_ACTIVE.finding("info", msg, evidence=evidence)]


# ---------------------------------------------------------------------------- initial loss
# The observed loss kinds (losses.py) whose chance value is known, as the check names them.
# nll_loss over log_softmax has the chance value of cross-entropy.
_KINDS = {"cross_entropy": "cross_entropy", "nll": "cross_entropy", "mse_loss": "mse"}


def init_loss_seen(pred: Any, target: Any, loss: Any, kind: str | None) -> list[Finding]:
    """`init-loss-off` judged from the script's own first training loss: the loss before any
    step is the loss at init (in train mode: dropout moves it far less than the factor judged).
    Raises Skipped when the loss, its kind or the target cannot say what chance would give."""
    check = _KINDS.get(kind or "")
    if check is None:
        raise Skipped(f"the first loss is {kind or 'not a known loss'}: its chance value is unknown")
    if not isinstance(pred, torch.Tensor) or not isinstance(target, torch.Tensor) or loss is None:
        raise Skipped("the first loss call showed no prediction, target and loss")
    value = float(loss.detach().float().mean()) if isinstance(loss, torch.Tensor) else float(loss)
    if not math.isfinite(value):
        raise Skipped("the first loss is not finite (nonfinite-loss judges that)")
    if check == "cross_entropy":
        if target.is_floating_point() or pred.dim() < 2:
            raise Skipped("cross-entropy with soft targets or unbatched logits")
        return judge_init_loss(value, check, classes=int(pred.shape[1]), step=1)
    if pred.shape != target.shape:
        raise Skipped("the prediction and target shapes differ (loss-input-mismatch judges that)")
    square = float(target.detach().float().pow(2).mean())
    return judge_init_loss(value, check, target_square_mean=square, step=1)


__all__ = ["BATCH_MIXING", "Preflight", "batch_dim", "dropout_in_eval", "first_batch", "init_loss_seen"]
