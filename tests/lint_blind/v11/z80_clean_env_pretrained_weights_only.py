# expect: clean
# style: dataclass config filled from env vars; model factory loading pretrained encoder weights
# note: the weights path comes from an environment variable, but the factory loads it with torch.load(..., weights_only=True)
import os
from dataclasses import dataclass, field

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


@dataclass
class Config:
    encoder_weights: str = field(default_factory=lambda: os.environ.get("ENCODER_WEIGHTS", ""))
    n_classes: int = 7
    lr: float = 2e-4
    epochs: int = 4


class WaveEncoder(nn.Module):
    def __init__(self, d=64):
        super().__init__()
        self.convs = nn.Sequential(nn.Conv1d(1, d, 10, 5), nn.GELU(), nn.Conv1d(d, d, 8, 4), nn.GELU(),
                                   nn.Conv1d(d, d, 4, 2), nn.GELU())
        self.d = d

    def forward(self, wav):
        return self.convs(wav.unsqueeze(1)).transpose(1, 2)


class EmotionClassifier(nn.Module):
    def __init__(self, enc, n_cls):
        super().__init__()
        self.enc = enc
        self.proj = nn.Linear(enc.d, n_cls)

    def forward(self, wav):
        return self.proj(self.enc(wav).mean(1))


def build_model(cfg: Config):
    enc = WaveEncoder()
    if cfg.encoder_weights and os.path.exists(cfg.encoder_weights):
        sd = torch.load(cfg.encoder_weights, map_location="cpu", weights_only=True)
        enc.load_state_dict(sd, strict=False)
        print("loaded encoder from", cfg.encoder_weights)
    return EmotionClassifier(enc, cfg.n_classes)


def train(cfg: Config):
    model = build_model(cfg)
    opt = torch.optim.AdamW(model.parameters(), lr=cfg.lr)
    ds = TensorDataset(torch.randn(800, 16000), torch.randint(0, cfg.n_classes, (800,)))
    loader = DataLoader(ds, batch_size=16, shuffle=True)
    for ep in range(cfg.epochs):
        model.train()
        hit = n = 0
        for wav, y in loader:
            logits = model(wav)
            loss = F.cross_entropy(logits, y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            hit += (logits.argmax(-1) == y).sum().item()
            n += len(y)
        print(f"epoch {ep} acc {hit/n:.3f}")


if __name__ == "__main__":
    train(Config())
