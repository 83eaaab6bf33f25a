# expect: TVL012
# A compute_metrics helper returns a dict; the loop backpropagates its "loss" entry and then adds
# that same tensor to a running total, keeping every batch's graph until the epoch ends.
import torch
import torch.nn.functional as F
from torch import nn

encoder = nn.Sequential(nn.Linear(32, 64), nn.ReLU(), nn.Linear(64, 4))
optim = torch.optim.SGD(encoder.parameters(), lr=0.1, momentum=0.9)


def compute_metrics(xb, yb):
    logits = encoder(xb)
    return {"loss": F.cross_entropy(logits, yb), "hits": (logits.argmax(-1) == yb).sum()}


def epoch(batches):
    running_loss, hits = 0.0, 0
    for xb, yb in batches:
        res = compute_metrics(xb, yb)
        optim.zero_grad()
        res["loss"].backward()
        optim.step()
        running_loss += res["loss"]
        hits += int(res["hits"])
    return running_loss / len(batches), hits
