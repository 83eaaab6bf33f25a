# expect: clean
# style: research repo with small AMP helper functions (backward_amp / step_amp) for a point-cloud classifier
# note: clipping happens inside a helper that first calls scaler.unscale_(optimizer); step_amp calls scaler.step then scaler.update.
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

log = logging.getLogger("pointnet")


def backward_amp(loss, scaler):
    scaler.scale(loss).backward()


def clip_amp(model, optimizer, scaler, max_norm):
    scaler.unscale_(optimizer)
    return nn.utils.clip_grad_norm_(model.parameters(), max_norm)


def step_amp(optimizer, scaler):
    scaler.step(optimizer)
    scaler.update()


class PointNet(nn.Module):
    def __init__(self, k=40):
        super().__init__()
        self.mlp1 = nn.Sequential(nn.Conv1d(3, 64, 1), nn.BatchNorm1d(64), nn.ReLU(), nn.Conv1d(64, 128, 1), nn.BatchNorm1d(128), nn.ReLU(),
                                  nn.Conv1d(128, 1024, 1), nn.BatchNorm1d(1024), nn.ReLU())
        self.head = nn.Sequential(nn.Linear(1024, 512), nn.BatchNorm1d(512), nn.ReLU(), nn.Dropout(0.4), nn.Linear(512, k))

    def forward(self, pts):
        return self.head(self.mlp1(pts.transpose(1, 2)).max(-1).values)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=25)
    ap.add_argument("--clip", type=float, default=10.0)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    amp = device.type == "cuda"
    model = PointNet().to(device)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.StepLR(opt, step_size=10, gamma=0.5)
    scaler = torch.cuda.amp.GradScaler(enabled=amp)
    dl = DataLoader(TensorDataset(torch.randn(2400, 1024, 3), torch.randint(0, 40, (2400,))), batch_size=32, shuffle=True, drop_last=True)
    for epoch in range(args.epochs):
        model.train()
        tot = 0.0
        for pts, y in dl:
            pts, y = pts.to(device), y.to(device)
            opt.zero_grad(set_to_none=True)
            with torch.autocast(device.type, dtype=torch.float16, enabled=amp):
                loss = F.cross_entropy(model(pts), y, label_smoothing=0.2)
            backward_amp(loss, scaler)
            gn = clip_amp(model, opt, scaler, args.clip)
            step_amp(opt, scaler)
            tot += loss.item()
        sched.step()
        log.info("epoch %d loss %.4f last grad norm %.3f lr %.2e", epoch, tot / len(dl), float(gn), sched.get_last_lr()[0])


if __name__ == "__main__":
    seed_everything(int(os.environ.get("SEED", 42)))
    main()
