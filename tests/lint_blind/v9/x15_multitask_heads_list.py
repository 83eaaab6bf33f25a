# expect: TVL005
# style: multi-task tabular model, research script with argparse
# bug: the per-task heads are stored in a plain Python list, so they are not registered: model.parameters() omits them, they are never optimized and .to(device) does not move them.
import os
import random
import argparse
import logging

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


def seed_everything(seed: int = 42) -> None:
    """Best-effort reproducibility (cudnn autotuning left on for speed)."""
    random.seed(seed)
    os.environ["PYTHONHASHSEED"] = str(seed)
    torch.manual_seed(seed)
    if torch.cuda.is_available():
        torch.cuda.manual_seed_all(seed)

logging.basicConfig(level=logging.INFO)
log = logging.getLogger("mtl")


class SharedBottom(nn.Module):
    def __init__(self, in_dim, hidden, task_dims):
        super().__init__()
        self.bottom = nn.Sequential(nn.Linear(in_dim, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU())
        self.heads = []
        for out_dim in task_dims:
            self.heads.append(nn.Sequential(nn.Linear(hidden, hidden // 2), nn.ReLU(), nn.Linear(hidden // 2, out_dim)))

    def forward(self, x):
        h = self.bottom(x)
        return [head(h) for head in self.heads]


def task_losses(outputs, targets):
    ctr_logit, cvr_logit, dwell = outputs
    ctr, cvr, dwell_t = targets[:, 0], targets[:, 1], targets[:, 2]
    return [
        F.binary_cross_entropy_with_logits(ctr_logit.squeeze(-1), ctr),
        F.binary_cross_entropy_with_logits(cvr_logit.squeeze(-1), cvr),
        F.mse_loss(dwell.squeeze(-1), dwell_t),
    ]


def make_data(n, d):
    x = torch.randn(n, d)
    ctr = (x[:, 0] > 0).float()
    cvr = ((x[:, 1] > 0.5) & (ctr > 0)).float()
    dwell = x[:, 2].abs() * 3
    return TensorDataset(x, torch.stack([ctr, cvr, dwell], 1))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--in-dim", type=int, default=64)
    ap.add_argument("--hidden", type=int, default=256)
    ap.add_argument("--weights", type=float, nargs=3, default=[1.0, 1.0, 0.1])
    ap.add_argument("--epochs", type=int, default=5)
    args = ap.parse_args()

    device = "cuda" if torch.cuda.is_available() else "cpu"
    model = SharedBottom(args.in_dim, args.hidden, task_dims=[1, 1, 1]).to(device)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    log.info("trainable params: %d", sum(p.numel() for p in model.parameters()))
    dl = DataLoader(make_data(20000, args.in_dim), batch_size=256, shuffle=True)

    for epoch in range(args.epochs):
        model.train()
        sums = [0.0, 0.0, 0.0]
        for x, t in dl:
            x, t = x.to(device), t.to(device)
            losses = task_losses(model(x), t)
            loss = sum(w * l for w, l in zip(args.weights, losses))
            opt.zero_grad()
            loss.backward()
            opt.step()
            sums = [s + l.item() for s, l in zip(sums, losses)]
        log.info("epoch %d ctr %.4f cvr %.4f dwell %.4f", epoch, *[s / len(dl) for s in sums])

    torch.save(model.state_dict(), "mtl.pt")


if __name__ == "__main__":
    seed_everything(int(os.environ.get("SEED", 42)))
    main()
