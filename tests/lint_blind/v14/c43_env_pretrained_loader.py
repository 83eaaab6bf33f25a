# expect: TVL014
# style: production-ish fine-tuning job configured via environment variables, load helper in a utils section
# bug: PRETRAINED_CKPT is read from the environment and load_pretrained() calls torch.load on it without weights_only=True
import json
import logging
import os

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

logger = logging.getLogger("job")

# ----------------------------------------------------------------------------- settings
SETTINGS = {
    "pretrained": os.environ.get("PRETRAINED_CKPT", ""),
    "output_dir": os.environ.get("OUTPUT_DIR", "/tmp/job_out"),
    "epochs": int(os.environ.get("EPOCHS", "10")),
    "lr": float(os.environ.get("LR", "3e-4")),
    "batch_size": int(os.environ.get("BATCH_SIZE", "128")),
}


# ----------------------------------------------------------------------------- utils
def strip_prefix(state_dict, prefix="module."):
    return {k[len(prefix):] if k.startswith(prefix) else k: v for k, v in state_dict.items()}


def load_pretrained(model, path):
    if not path:
        logger.info("no pretrained checkpoint given, training from scratch")
        return model
    state = torch.load(path, map_location="cpu")
    if isinstance(state, dict) and "state_dict" in state:
        state = state["state_dict"]
    missing, unexpected = model.load_state_dict(strip_prefix(state), strict=False)
    logger.info("loaded %s (missing=%d unexpected=%d)", path, len(missing), len(unexpected))
    return model


# ----------------------------------------------------------------------------- model
class ECGNet(nn.Module):
    """1-D CNN over single-lead ECG windows, 5 rhythm classes."""

    def __init__(self, n_classes=5):
        super().__init__()
        chans = [1, 32, 64, 128, 128]
        blocks = []
        for cin, cout in zip(chans[:-1], chans[1:]):
            blocks += [nn.Conv1d(cin, cout, 7, padding=3), nn.BatchNorm1d(cout), nn.ReLU(), nn.MaxPool1d(2)]
        self.features = nn.Sequential(*blocks)
        self.classifier = nn.Linear(chans[-1], n_classes)

    def forward(self, x):
        return self.classifier(self.features(x).mean(-1))


def get_loaders(bs):
    g = torch.Generator().manual_seed(0)
    sig = torch.randn(6000, 1, 1000, generator=g)
    y = torch.randint(0, 5, (6000,), generator=g)
    train = DataLoader(TensorDataset(sig[:5000], y[:5000]), batch_size=bs, shuffle=True, drop_last=True)
    val = DataLoader(TensorDataset(sig[5000:], y[5000:]), batch_size=500)
    return train, val


def main():
    logging.basicConfig(level=logging.INFO)
    os.makedirs(SETTINGS["output_dir"], exist_ok=True)
    model = load_pretrained(ECGNet(), SETTINGS["pretrained"])
    train_loader, val_loader = get_loaders(SETTINGS["batch_size"])
    opt = torch.optim.AdamW(model.parameters(), lr=SETTINGS["lr"])
    metrics = []
    for epoch in range(SETTINGS["epochs"]):
        model.train()
        for x, y in train_loader:
            loss = F.cross_entropy(model(x), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
        model.eval()
        conf = torch.zeros(5, 5, dtype=torch.long)
        with torch.no_grad():
            for x, y in val_loader:
                p = model(x).argmax(1)
                conf.index_put_((y, p), torch.ones_like(y), accumulate=True)
        f1 = (2 * conf.diag() / (conf.sum(0) + conf.sum(1)).clamp(min=1)).float().mean().item()
        metrics.append({"epoch": epoch, "macro_f1": f1, "last_loss": loss.item()})
        logger.info(metrics[-1])
    with open(os.path.join(SETTINGS["output_dir"], "metrics.json"), "w") as f:
        json.dump(metrics, f)
    torch.save(model.state_dict(), os.path.join(SETTINGS["output_dir"], "ecgnet.pt"))


if __name__ == "__main__":
    main()
