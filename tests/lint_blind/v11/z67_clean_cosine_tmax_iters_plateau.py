# expect: clean
# style: detection-style engine with an iteration-based cosine scheduler and a ReduceLROnPlateau variant chosen by config
# note: CosineAnnealingLR is stepped per batch, but T_max is epochs * len(loader) (iterations); the plateau scheduler is stepped once per epoch with the validation loss, after optimizer steps
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

CONFIGS = {
    "cosine_iter": {"sched": "cosine", "epochs": 8, "lr": 0.02},
    "plateau": {"sched": "plateau", "epochs": 8, "lr": 0.02},
}


def build_scheduler(opt, cfg, iters_per_epoch):
    if cfg["sched"] == "cosine":
        return torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=cfg["epochs"] * iters_per_epoch, eta_min=1e-5), "iter"
    return torch.optim.lr_scheduler.ReduceLROnPlateau(opt, mode="min", factor=0.5, patience=1), "epoch"


class KeypointHeatmapNet(nn.Module):
    def __init__(self, n_kp=5):
        super().__init__()
        self.body = nn.Sequential(nn.Conv2d(3, 32, 3, padding=1), nn.ReLU(), nn.Conv2d(32, 32, 3, padding=1), nn.ReLU())
        self.head = nn.Conv2d(32, n_kp, 1)

    def forward(self, x):
        return self.head(self.body(x))


def run(cfg_name):
    cfg = CONFIGS[cfg_name]
    x = torch.randn(640, 3, 32, 32)
    hm = torch.rand(640, 5, 32, 32)
    train_dl = DataLoader(TensorDataset(x[:512], hm[:512]), batch_size=32, shuffle=True)
    val_dl = DataLoader(TensorDataset(x[512:], hm[512:]), batch_size=64)
    model = KeypointHeatmapNet()
    opt = torch.optim.SGD(model.parameters(), lr=cfg["lr"], momentum=0.9)
    sched, unit = build_scheduler(opt, cfg, len(train_dl))
    for epoch in range(cfg["epochs"]):
        model.train()
        for xb, hb in train_dl:
            loss = F.mse_loss(model(xb), hb)
            opt.zero_grad()
            loss.backward()
            opt.step()
            if unit == "iter":
                sched.step()
        model.eval()
        with torch.no_grad():
            val = sum(F.mse_loss(model(xb), hb).item() for xb, hb in val_dl) / len(val_dl)
        if unit == "epoch":
            sched.step(val)
        print(f"[{cfg_name}] epoch {epoch} val {val:.5f} lr {opt.param_groups[0]['lr']:.5f}")
    return val


def summarize(results):
    for name, val in results.items():
        print(f"{name:12s} final val mse {val:.5f}")


if __name__ == "__main__":
    summarize({name: run(name) for name in CONFIGS})
