# expect: clean
# style: SLURM job script with paths from environment variables and a load_pretrained() helper, speech emotion recognition
# note: the checkpoint path comes from os.environ, which looks like TVL014, but load_pretrained() calls torch.load(path, map_location="cpu", weights_only=True).
import logging
import os

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

logging.basicConfig(level=logging.INFO, format="%(asctime)s [%(process)d] %(message)s")
log = logging.getLogger()
PRETRAINED = os.environ.get("PRETRAINED_ENCODER", "")
OUT_DIR = os.path.join(os.environ.get("SCRATCH", "/tmp"), "ser", os.environ.get("SLURM_JOB_ID", "local"))
EMOTIONS = ["neutral", "happy", "sad", "angry", "fear", "disgust"]


class ConformerLite(nn.Module):
    def __init__(self, n_mels=80, d=144):
        super().__init__()
        self.sub = nn.Sequential(nn.Conv1d(n_mels, d, 3, 2, 1), nn.SiLU(), nn.Conv1d(d, d, 3, 2, 1), nn.SiLU())
        self.enc = nn.TransformerEncoder(nn.TransformerEncoderLayer(d, 4, 4 * d, 0.1, batch_first=True), 4)

    def forward(self, feats):
        return self.enc(self.sub(feats.transpose(1, 2)).transpose(1, 2))


class SER(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = ConformerLite()
        self.attn_pool = nn.Linear(144, 1)
        self.cls = nn.Linear(144, len(EMOTIONS))

    def forward(self, feats):
        h = self.encoder(feats)
        w = torch.softmax(self.attn_pool(h), dim=1)
        return self.cls((w * h).sum(1))


def load_pretrained(module, path):
    state = torch.load(path, map_location="cpu", weights_only=True)
    state = state.get("encoder", state)
    missing, unexpected = module.load_state_dict(state, strict=False)
    log.info("encoder init from %s; missing %d unexpected %d", path, len(missing), len(unexpected))


def main():
    os.makedirs(OUT_DIR, exist_ok=True)
    model = SER()
    if PRETRAINED:
        load_pretrained(model.encoder, PRETRAINED)
    x = torch.randn(1500, 300, 80)
    y = torch.randint(0, len(EMOTIONS), (1500,))
    train_dl = DataLoader(TensorDataset(x[:1300], y[:1300]), batch_size=16, shuffle=True, num_workers=2)
    val_dl = DataLoader(TensorDataset(x[1300:], y[1300:]), batch_size=64)
    opt = torch.optim.AdamW([
        {"params": model.encoder.parameters(), "lr": 5e-5},
        {"params": list(model.attn_pool.parameters()) + list(model.cls.parameters()), "lr": 1e-3},
    ], weight_decay=0.01)
    for epoch in range(8):
        model.train()
        tot = 0.0
        for xb, yb in train_dl:
            loss = F.cross_entropy(model(xb), yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
            tot += loss.item()
        model.eval()
        with torch.no_grad():
            acc = sum((model(xb).argmax(1) == yb).sum().item() for xb, yb in val_dl) / 200
        log.info("epoch %d loss %.4f UA %.4f", epoch, tot / len(train_dl), acc)
        torch.save(model.state_dict(), os.path.join(OUT_DIR, "last.pt"))


if __name__ == "__main__":
    main()
