# expect: TVL014
# style: config dataclass populated from environment variables; model factory loads pretrained backbone weights
# bug: `PRETRAINED_PATH` comes from os.environ via the config, and `build_model` passes it to torch.load with no weights_only=True
import os
from dataclasses import dataclass, field

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


@dataclass
class RunConfig:
    pretrained: str = field(default_factory=lambda: os.environ.get("PRETRAINED_PATH", ""))
    n_classes: int = int(os.environ.get("N_CLASSES", "12"))
    lr: float = float(os.environ.get("LR", "3e-4"))
    epochs: int = int(os.environ.get("EPOCHS", "5"))
    batch_size: int = 32


class Backbone(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(3, 32, 3, 2, 1), nn.BatchNorm2d(32), nn.SiLU(),
            nn.Conv2d(32, 64, 3, 2, 1), nn.BatchNorm2d(64), nn.SiLU(),
            nn.Conv2d(64, 128, 3, 2, 1), nn.BatchNorm2d(128), nn.SiLU(),
            nn.AdaptiveAvgPool2d(1), nn.Flatten())

    def forward(self, x):
        return self.body(x)


class Classifier(nn.Module):
    def __init__(self, n_classes):
        super().__init__()
        self.backbone = Backbone()
        self.fc = nn.Linear(128, n_classes)

    def forward(self, x):
        return self.fc(self.backbone(x))


def build_model(cfg: RunConfig):
    model = Classifier(cfg.n_classes)
    if cfg.pretrained:
        state = torch.load(cfg.pretrained, map_location="cpu")
        state = {k.replace("module.", ""): v for k, v in state.items()}
        missing, unexpected = model.backbone.load_state_dict(state, strict=False)
        print(f"loaded backbone: missing={len(missing)} unexpected={len(unexpected)}")
    return model


def train(cfg: RunConfig):
    model = build_model(cfg)
    opt = torch.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=0.05)
    ds = TensorDataset(torch.randn(960, 3, 64, 64), torch.randint(0, cfg.n_classes, (960,)))
    dl = DataLoader(ds, batch_size=cfg.batch_size, shuffle=True)
    for ep in range(cfg.epochs):
        model.train()
        tot = 0.0
        for x, y in dl:
            loss = F.cross_entropy(model(x), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            tot += loss.item()
        print(f"epoch {ep} loss {tot/len(dl):.4f}")
    torch.save(model.state_dict(), "classifier.pt")


if __name__ == "__main__":
    train(RunConfig())
