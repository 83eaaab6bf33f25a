# expect: clean
# style: cluster job configured by environment variables, init from a pretrained encoder checkpoint (ECG-like signals)
# note: the checkpoint path comes from an environment variable, like the buggy variant, but torch.load is called with weights_only=True.
import logging
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

logging.basicConfig(stream=sys.stdout, level=logging.INFO, format="[%(asctime)s] %(message)s")
log = logging.getLogger("eeg")

EPOCHS = int(os.environ.get("EPOCHS", 8))
LR = float(os.environ.get("LR", 5e-4))
OUT_DIR = os.environ.get("OUT_DIR", "./out_eeg")
INIT_CKPT = os.environ.get("INIT_CKPT", "")


class Encoder(nn.Module):
    def __init__(self, ch=22, d=128):
        super().__init__()
        self.temporal = nn.Conv2d(1, 16, (1, 25), padding=(0, 12))
        self.spatial = nn.Conv2d(16, 32, (ch, 1))
        self.bn = nn.BatchNorm2d(32)
        self.pool = nn.AvgPool2d((1, 8))
        self.proj = nn.Linear(32, d)

    def forward(self, x):
        h = self.pool(F.elu(self.bn(self.spatial(self.temporal(x.unsqueeze(1))))))
        return self.proj(h.mean(-1).flatten(1))


class EEGNetLite(nn.Module):
    def __init__(self, n_cls=4):
        super().__init__()
        self.encoder = Encoder()
        self.head = nn.Linear(128, n_cls)

    def forward(self, x):
        return self.head(F.dropout(self.encoder(x), 0.25, self.training))


def init_encoder(model, path):
    if not path:
        return
    state = torch.load(path, map_location="cpu", weights_only=True)
    state = {k[len("encoder."):]: v for k, v in state.items() if k.startswith("encoder.")}
    model.encoder.load_state_dict(state)
    log.info("encoder initialised from %s (%d tensors)", path, len(state))


def data(n, seed):
    g = torch.Generator().manual_seed(seed)
    y = torch.randint(0, 4, (n,), generator=g)
    x = torch.randn(n, 22, 256, generator=g)
    x[torch.arange(n), y * 5] += 1.0
    return TensorDataset(x, y)


def main():
    model = EEGNetLite()
    init_encoder(model, INIT_CKPT)
    opt = torch.optim.Adam(model.parameters(), lr=LR)
    train_dl = DataLoader(data(3000, 0), batch_size=64, shuffle=True)
    val_dl = DataLoader(data(600, 1), batch_size=256)
    os.makedirs(OUT_DIR, exist_ok=True)
    for epoch in range(EPOCHS):
        model.train()
        tot = 0.0
        for x, y in train_dl:
            opt.zero_grad()
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            opt.step()
            tot += loss.item()
        model.eval()
        with torch.no_grad():
            hit = sum((model(x).argmax(1) == y).sum().item() for x, y in val_dl)
        log.info("epoch %d loss %.4f kappa-free acc %.4f", epoch, tot / len(train_dl), hit / len(val_dl.dataset))
    torch.save(model.state_dict(), os.path.join(OUT_DIR, "eegnet_lite.pt"))


if __name__ == "__main__":
    main()
