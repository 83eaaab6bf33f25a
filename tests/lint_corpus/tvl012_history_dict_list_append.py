# expect: TVL012
# The fit loop logs into a dict of lists; the "loss" list gets the loss tensor that was just
# backpropagated, graph and all, once per batch.
import torch
from torch import nn

net = nn.Sequential(nn.Linear(16, 16), nn.ReLU(), nn.Linear(16, 3))
opt = torch.optim.Adam(net.parameters())
log = {"loss": [], "acc": []}


def fit(batches):
    for feats, labels in batches:
        logits = net(feats)
        parts = {"ce": nn.functional.cross_entropy(logits, labels)}
        opt.zero_grad()
        parts["ce"].backward()
        opt.step()
        log["loss"].append(parts["ce"])
        log["acc"].append((logits.argmax(1) == labels).float().mean().item())
