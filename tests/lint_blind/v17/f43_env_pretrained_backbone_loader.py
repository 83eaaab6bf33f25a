# expect: TVL014
# style: fine-tuning script configured via environment variables (cluster job style), load_backbone helper
# bug: load_backbone(os.environ["PRETRAINED_CKPT"]) calls torch.load(path, map_location="cpu") on an environment-supplied path without weights_only=True.
import logging
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

logging.basicConfig(stream=sys.stdout, level=logging.INFO, format="[%(asctime)s] %(message)s")
log = logging.getLogger("finetune")

EPOCHS = int(os.environ.get("EPOCHS", 10))
LR = float(os.environ.get("LR", 1e-3))
BATCH = int(os.environ.get("BATCH", 64))
OUT_DIR = os.environ.get("OUT_DIR", "./out")
PRETRAINED = os.environ.get("PRETRAINED_CKPT", "")


class Encoder(nn.Module):
    def __init__(self, d=256):
        super().__init__()
        self.conv = nn.Sequential(
            nn.Conv1d(12, 64, 7, 2, 3), nn.BatchNorm1d(64), nn.ReLU(),
            nn.Conv1d(64, 128, 5, 2, 2), nn.BatchNorm1d(128), nn.ReLU(),
            nn.Conv1d(128, d, 5, 2, 2), nn.BatchNorm1d(d), nn.ReLU(),
        )

    def forward(self, x):
        return self.conv(x).mean(-1)


class ECGClassifier(nn.Module):
    def __init__(self, n_cls=5, d=256):
        super().__init__()
        self.encoder = Encoder(d)
        self.head = nn.Sequential(nn.Dropout(0.2), nn.Linear(d, n_cls))

    def forward(self, x):
        return self.head(self.encoder(x))


def load_backbone(model, path):
    if not path:
        log.info("no pretrained checkpoint, training from scratch")
        return model
    state = torch.load(path, map_location="cpu")
    state = state.get("state_dict", state)
    enc_state = {k.replace("encoder.", "", 1): v for k, v in state.items() if k.startswith("encoder.")}
    missing, unexpected = model.encoder.load_state_dict(enc_state, strict=False)
    log.info("loaded %d tensors from %s (missing=%d unexpected=%d)", len(enc_state), path, len(missing), len(unexpected))
    return model


def make_ecg(n, seed):
    g = torch.Generator().manual_seed(seed)
    y = torch.randint(0, 5, (n,), generator=g)
    t = torch.linspace(0, 10, 1000)
    x = torch.sin(t * (1 + y[:, None].float()))[:, None, :].repeat(1, 12, 1) + 0.3 * torch.randn(n, 12, 1000, generator=g)
    return TensorDataset(x, y)


def run():
    device = "cuda" if torch.cuda.is_available() else "cpu"
    model = load_backbone(ECGClassifier(), PRETRAINED).to(device)
    opt = torch.optim.AdamW([
        {"params": model.encoder.parameters(), "lr": LR * 0.1},
        {"params": model.head.parameters(), "lr": LR},
    ], weight_decay=1e-4)
    train_dl = DataLoader(make_ecg(4000, 0), batch_size=BATCH, shuffle=True)
    val_dl = DataLoader(make_ecg(800, 1), batch_size=256)
    os.makedirs(OUT_DIR, exist_ok=True)
    for epoch in range(EPOCHS):
        model.train()
        tot = 0.0
        for x, y in train_dl:
            x, y = x.to(device), y.to(device)
            opt.zero_grad()
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            opt.step()
            tot += loss.item()
        model.eval()
        correct = 0
        with torch.no_grad():
            for x, y in val_dl:
                correct += (model(x.to(device)).argmax(1).cpu() == y).sum().item()
        log.info("epoch %d loss %.4f val_acc %.4f", epoch, tot / len(train_dl), correct / len(val_dl.dataset))
    torch.save(model.state_dict(), os.path.join(OUT_DIR, "ecg_finetuned.pt"))


if __name__ == "__main__":
    run()
