"""What torchvitals knows about PyTorch's loss functions, in one place.

The zero-code runner wraps the functional losses to observe predictions and targets, the
output probe records which loss a batch was given to, the output rules ask whether the
targets were labels, and the linter asks which losses want logits. They all read this table.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Loss:
    func: str  # the name in torch.nn.functional
    cls: str  # the nn module class
    kind: str  # the name recorded in run.jsonl (out.loss_kind)
    # What its first two arguments are: "pair" (prediction, target), "class" (logits, labels),
    # "pred" (prediction, target of the prediction's shape), "seq" (log-probabilities over time
    # (T, B, C), label sequences: no target per prediction row).
    args: str
    wants: str  # what the prediction must be: "values", "logits", "log_probs" or "probs"

    @property
    def classification(self) -> bool:
        """Its targets are labels (or distributions over them), not values to regress."""
        return self.wants != "values"


LOSSES: tuple[Loss, ...] = (
    Loss("mse_loss", "MSELoss", "mse_loss", "pair", "values"),
    Loss("l1_loss", "L1Loss", "l1_loss", "pair", "values"),
    Loss("smooth_l1_loss", "SmoothL1Loss", "smooth_l1_loss", "pair", "values"),
    Loss("huber_loss", "HuberLoss", "huber_loss", "pair", "values"),
    Loss("cross_entropy", "CrossEntropyLoss", "cross_entropy", "class", "logits"),
    Loss("nll_loss", "NLLLoss", "nll", "class", "log_probs"),
    Loss("kl_div", "KLDivLoss", "kl_div", "pred", "log_probs"),
    Loss("binary_cross_entropy", "BCELoss", "binary_cross_entropy", "pred", "probs"),
    Loss("binary_cross_entropy_with_logits", "BCEWithLogitsLoss", "binary_cross_entropy_with_logits", "pred", "logits"),
    Loss("ctc_loss", "CTCLoss", "ctc", "seq", "log_probs"),
)
BY_FUNC = {loss.func: loss for loss in LOSSES}
BY_CLASS = {loss.cls: loss for loss in LOSSES}
BY_KIND = {loss.kind: loss for loss in LOSSES}
CLASSIFICATION_KINDS = frozenset(loss.kind for loss in LOSSES if loss.classification)


def kinds_wanting(wants: str) -> frozenset[str]:
    """The recorded kinds of the losses whose prediction must be `wants` ("logits", …)."""
    return frozenset(loss.kind for loss in LOSSES if loss.wants == wants)


def classes_wanting(wants: str) -> frozenset[str]:
    """The nn module classes of the losses whose prediction must be `wants`."""
    return frozenset(loss.cls for loss in LOSSES if loss.wants == wants)


def loss_kind(loss_fn: Any) -> str | None:
    """The recorded kind of a loss given as a function, a module or a name (F.cross_entropy,
    nn.CrossEntropyLoss(), "CrossEntropyLoss"); an unknown loss keeps its lower-cased name."""
    if loss_fn is None:
        return None
    name = (loss_fn if isinstance(loss_fn, str) else getattr(loss_fn, "__name__", type(loss_fn).__name__)).lower()
    kind = _KIND_OF.get(name)
    if kind is None:  # `torchvitals run` asks at every loss call: worked out once per name
        kind = _kind_of(name)
        if len(_KIND_OF) < 256:
            _KIND_OF[name] = kind
    return kind


_KIND_OF: dict[str, str] = {}


def _kind_of(name: str) -> str:
    if "gaussian" in name or "poisson" in name:  # gaussian_nll_loss takes means, poisson_nll_loss rates
        return name
    if "binary_cross_entropy_with_logits" in name or "bcewithlogits" in name:
        return "binary_cross_entropy_with_logits"
    if "binary_cross_entropy" in name or name.startswith("bce"):
        return "binary_cross_entropy"
    for kind, words in (("cross_entropy", ("cross_entropy", "crossentropy")), ("nll", ("nll",)), ("kl_div", ("kl_div", "kldiv")),
                        ("ctc", ("ctc",))):
        if any(w in name for w in words):
            return kind
    return name
