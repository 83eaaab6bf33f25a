# expect: clean
# style: containerised training job configured by environment variables (MLOps style), warm start from a checkpoint path in the env
# note: torch.load() is called on a path read from an environment variable, which looks like TVL014, but load_warm_start() passes weights_only=True and only loads a plain state_dict.
import json
import logging
import os
import time

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

log = logging.getLogger("job")


def env(name, default, cast=str):
    v = os.environ.get(name)
    return cast(v) if v is not None else default


CONFIG = {
    "epochs": env("EPOCHS", 8, int),
    "lr": env("LR", 1e-3, float),
    "batch_size": env("BATCH_SIZE", 128, int),
    "warm_start": env("WARM_START_CKPT", ""),
    "out_dir": env("OUTPUT_DIR", "/tmp/job_out"),
}


class ChurnNet(nn.Module):
    def __init__(self, d=32):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(d, 128), nn.ReLU(), nn.Linear(128, 64), nn.ReLU(), nn.Linear(64, 2))

    def forward(self, x):
        return self.net(x)


def load_warm_start(model, path):
    if not path:
        return False
    state = torch.load(path, map_location="cpu", weights_only=True)
    missing, unexpected = model.load_state_dict(state, strict=False)
    log.info("warm start from %s: %d missing, %d unexpected", path, len(missing), len(unexpected))
    return True


def synthetic(n, seed):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, 32, generator=g)
    y = ((x[:, 0] + x[:, 1] * x[:, 2]) > 0.2).long()
    return TensorDataset(x, y)


def main():
    logging.basicConfig(level=logging.INFO)
    os.makedirs(CONFIG["out_dir"], exist_ok=True)
    log.info("config %s", json.dumps(CONFIG))
    model = ChurnNet()
    warm = load_warm_start(model, CONFIG["warm_start"])
    opt = torch.optim.Adam(model.parameters(), lr=CONFIG["lr"] * (0.3 if warm else 1.0))
    train_dl = DataLoader(synthetic(30000, 0), batch_size=CONFIG["batch_size"], shuffle=True, num_workers=2)
    val_dl = DataLoader(synthetic(5000, 1), batch_size=1024)
    metrics = []
    for epoch in range(CONFIG["epochs"]):
        t0 = time.time()
        model.train()
        tot = 0.0
        for x, y in train_dl:
            loss = F.cross_entropy(model(x), y)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            tot += loss.item()
        model.eval()
        with torch.no_grad():
            acc = sum((model(x).argmax(1) == y).sum().item() for x, y in val_dl) / len(val_dl.dataset)
        metrics.append({"epoch": epoch, "loss": tot / len(train_dl), "val_acc": acc, "secs": time.time() - t0})
        log.info("%s", metrics[-1])
    torch.save(model.state_dict(), os.path.join(CONFIG["out_dir"], "model.pt"))
    with open(os.path.join(CONFIG["out_dir"], "metrics.json"), "w") as f:
        json.dump(metrics, f)


if __name__ == "__main__":
    main()
