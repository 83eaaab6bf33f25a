# expect: TVL014
# style: config-driven speech-emotion fine-tuning job, pretrained encoder path taken from an environment variable
# bug: resolve_pretrained() reads PRETRAINED_ENCODER from the environment and load_encoder() passes it to torch.load without weights_only=True
import logging
import os
from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

logger = logging.getLogger("ser")


@dataclass
class JobConfig:
    n_mels: int = 80
    hidden: int = 192
    n_emotions: int = 6
    epochs: int = 12
    lr: float = 2e-4
    batch_size: int = 24
    pretrained_env: str = "PRETRAINED_ENCODER"


class ConformerLite(nn.Module):
    def __init__(self, n_mels, hidden):
        super().__init__()
        self.inp = nn.Linear(n_mels, hidden)
        self.conv = nn.Conv1d(hidden, hidden, 15, padding=7, groups=hidden)
        layer = nn.TransformerEncoderLayer(hidden, 4, hidden * 4, batch_first=True)
        self.enc = nn.TransformerEncoder(layer, 3)

    def forward(self, x):
        h = self.inp(x)
        h = h + self.conv(h.transpose(1, 2)).transpose(1, 2)
        return self.enc(h)


class EmotionClassifier(nn.Module):
    def __init__(self, cfg: JobConfig):
        super().__init__()
        self.encoder = ConformerLite(cfg.n_mels, cfg.hidden)
        self.attn_pool = nn.Linear(cfg.hidden, 1)
        self.cls = nn.Linear(cfg.hidden, cfg.n_emotions)

    def forward(self, x):
        h = self.encoder(x)
        w = torch.softmax(self.attn_pool(h), dim=1)
        return self.cls((w * h).sum(1))


def resolve_pretrained(cfg: JobConfig):
    path = os.environ.get(cfg.pretrained_env)
    if path and not os.path.isfile(path):
        logger.warning("%s=%s does not exist, training from scratch", cfg.pretrained_env, path)
        return None
    return path


def load_encoder(model: EmotionClassifier, path):
    blob = torch.load(path, map_location="cpu")
    state = blob.get("encoder", blob)
    missing, unexpected = model.encoder.load_state_dict(state, strict=False)
    logger.info("loaded encoder from %s (missing=%d unexpected=%d)", path, len(missing), len(unexpected))


def run(cfg: JobConfig):
    feats = torch.randn(1500, 200, cfg.n_mels)
    labels = torch.randint(0, cfg.n_emotions, (1500,))
    train_loader = DataLoader(TensorDataset(feats[:1300], labels[:1300]), batch_size=cfg.batch_size, shuffle=True)
    val_loader = DataLoader(TensorDataset(feats[1300:], labels[1300:]), batch_size=64)
    model = EmotionClassifier(cfg)
    path = resolve_pretrained(cfg)
    if path:
        load_encoder(model, path)
    opt = torch.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=0.05)
    for epoch in range(cfg.epochs):
        model.train()
        for x, y in train_loader:
            loss = F.cross_entropy(model(x), y, label_smoothing=0.05)
            opt.zero_grad()
            loss.backward()
            opt.step()
        model.eval()
        with torch.no_grad():
            pred = torch.cat([model(x).argmax(1) for x, _ in val_loader])
        ua = torch.stack([(pred[labels[1300:] == c] == c).float().mean() for c in range(cfg.n_emotions)]).nanmean()
        logger.info("epoch %d loss %.4f UA %.4f", epoch, loss.item(), ua.item())
    torch.save(model.state_dict(), "ser_model.pt")


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    run(JobConfig())
