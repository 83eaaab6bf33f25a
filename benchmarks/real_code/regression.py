# real: source=https://github.com/pytorch/examples/blob/main/regression/main.py
# real: args=
# real: bug=no-zero-grad expect=grads-not-cleared
# real: bug=update-a-copy expect=parameters-not-moving,skipped-steps
"""pytorch/examples regression: fit a degree-4 polynomial with fc = nn.Linear(4, 1) on [x..x^4],
F.smooth_l1_loss, fc.zero_grad(), backward, and the manual update param.data.add_(-0.1 * grad)
with no optimizer, until the loss is below 1e-3.
Changed: a fixed seed and a cap of --max-batches, so that a broken variant also ends."""

import argparse
from itertools import count

import torch
import torch.nn.functional as F

torch.set_num_threads(1)
torch.manual_seed(0)

parser = argparse.ArgumentParser()
parser.add_argument("--max-batches", type=int, default=3000)
parser.add_argument("--bug", default="", choices=["", "no-zero-grad", "update-a-copy"])
args = parser.parse_args()

POLY_DEGREE = 4
W_target = torch.randn(POLY_DEGREE, 1) * 5
b_target = torch.randn(1) * 5


def make_features(x):
    """Builds features i.e. a matrix with columns [x, x^2, x^3, x^4]."""
    x = x.unsqueeze(1)
    return torch.cat([x ** i for i in range(1, POLY_DEGREE + 1)], 1)


def f(x):
    """Approximated function."""
    return x.mm(W_target) + b_target.item()


def poly_desc(W, b):
    """Creates a string description of a polynomial."""
    result = "y = "
    for i, w in enumerate(W):
        result += f"{w:+.2f} x^{i + 1} "
    result += f"{b[0]:+.2f}"
    return result


def get_batch(batch_size=32):
    """Builds a batch i.e. (x, f(x)) pair."""
    random = torch.randn(batch_size)
    x = make_features(random)
    y = f(x)
    return x, y


# Define model
fc = torch.nn.Linear(W_target.size(0), 1)

for batch_idx in count(1):
    # Get data
    batch_x, batch_y = get_batch()

    # Reset gradients
    if args.bug != "no-zero-grad":
        fc.zero_grad()

    # Forward pass
    output = F.smooth_l1_loss(fc(batch_x), batch_y)
    loss = output.item()

    # Backward pass
    output.backward()

    # Apply gradients
    for param in fc.parameters():
        if args.bug == "update-a-copy":
            param = param.detach() - 0.1 * param.grad  # a new tensor; fc keeps its weights
        else:
            param.data.add_(-0.1 * param.grad)

    # Stop criterion
    if loss < 1e-3 or batch_idx >= args.max_batches:
        break

print(f"Loss: {loss:.6f} after {batch_idx} batches")
print("==> Learned function:\t" + poly_desc(fc.weight.view(-1), fc.bias))
print("==> Actual function:\t" + poly_desc(W_target.view(-1), b_target))
