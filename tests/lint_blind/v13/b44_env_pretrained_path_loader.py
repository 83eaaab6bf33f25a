# expect: TVL014
# style: config-driven fine-tuning job (container/cluster launcher sets env vars), speaker verification embeddings
# bug: load_pretrained() reads the checkpoint path from os.environ["PRETRAINED_CKPT"] and torch.load()s it without weights_only=True
import logging
import os
from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

log = logging.getLogger("spk")


@dataclass
class JobConfig:
    n_speakers: int = 200
    emb_dim: int = 192
    margin: float = 0.2
    scale: float = 30.0
    lr: float = 1e-3
    epochs: int = 10
    pretrained_env: str = "PRETRAINED_CKPT"
    out_dir: str = os.environ.get("OUTPUT_DIR", "outputs")


class XVector(nn.Module):
    def __init__(self, n_mels=80, emb_dim=192):
        super().__init__()
        self.tdnn = nn.Sequential(
            nn.Conv1d(n_mels, 512, 5, dilation=1), nn.ReLU(), nn.BatchNorm1d(512),
            nn.Conv1d(512, 512, 3, dilation=2), nn.ReLU(), nn.BatchNorm1d(512),
            nn.Conv1d(512, 1500, 1), nn.ReLU(), nn.BatchNorm1d(1500))
        self.emb = nn.Linear(3000, emb_dim)

    def forward(self, feats):
        h = self.tdnn(feats)
        stats = torch.cat([h.mean(-1), h.std(-1)], -1)
        return self.emb(stats)


class AAMSoftmax(nn.Module):
    def __init__(self, emb_dim, n_cls, margin, scale):
        super().__init__()
        self.w = nn.Parameter(torch.randn(n_cls, emb_dim) * 0.01)
        self.m, self.s = margin, scale

    def forward(self, emb, labels):
        cos = F.linear(F.normalize(emb), F.normalize(self.w)).clamp(-1 + 1e-7, 1 - 1e-7)
        theta = torch.acos(cos)
        target = torch.cos(theta + self.m)
        onehot = F.one_hot(labels, cos.size(1)).bool()
        logits = torch.where(onehot, target, cos) * self.s
        return F.cross_entropy(logits, labels)


def load_pretrained(model, cfg: JobConfig):
    path = os.environ.get(cfg.pretrained_env)
    if not path:
        log.warning("no pretrained checkpoint given; training from scratch")
        return model
    state = torch.load(path, map_location="cpu")
    state = state.get("state_dict", state)
    missing, unexpected = model.load_state_dict(state, strict=False)
    log.info("loaded %s (missing=%d unexpected=%d)", path, len(missing), len(unexpected))
    return model


def run(cfg: JobConfig):
    dev = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    model = load_pretrained(XVector(emb_dim=cfg.emb_dim), cfg).to(dev)
    head = AAMSoftmax(cfg.emb_dim, cfg.n_speakers, cfg.margin, cfg.scale).to(dev)
    opt = torch.optim.Adam(list(model.parameters()) + list(head.parameters()), lr=cfg.lr)
    feats = torch.randn(4000, 80, 200)
    spk = torch.randint(0, cfg.n_speakers, (4000,))
    loader = DataLoader(TensorDataset(feats, spk), batch_size=64, shuffle=True, drop_last=True)
    os.makedirs(cfg.out_dir, exist_ok=True)
    for epoch in range(cfg.epochs):
        model.train()
        tot = 0.0
        for x, y in loader:
            x, y = x.to(dev), y.to(dev)
            loss = head(model(x), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            tot += loss.item()
        log.info("epoch %d AAM loss %.4f", epoch, tot / len(loader))
        torch.save({"state_dict": model.state_dict(), "head": head.state_dict()},
                   os.path.join(cfg.out_dir, "xvector.pt"))


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    run(JobConfig())
