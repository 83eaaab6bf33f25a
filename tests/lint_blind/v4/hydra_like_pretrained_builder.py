# expect: TVL014
# style: Hydra-style config with a hand-written instantiate() and a model builder that loads pretrained weights
# bug: cfg.model.pretrained comes from a command-line override (key=value) and build_model() passes it to torch.load() without weights_only=True
import argparse
import importlib
from types import SimpleNamespace

import torch
import torch.nn as nn
import torch.nn.functional as F

DEFAULTS = {
    "model": {"_target_": "__main__.AudioTagger", "n_mels": 64, "n_classes": 527, "pretrained": ""},
    "optim": {"_target_": "torch.optim.AdamW", "lr": 1e-4, "weight_decay": 0.01},
    "trainer": {"max_steps": 2000, "batch_size": 16},
}


def parse_overrides(argv):
    cfg = {k: dict(v) for k, v in DEFAULTS.items()}
    for item in argv:
        key, value = item.split("=", 1)
        group, name = key.split(".")
        cfg[group][name] = type(cfg[group][name])(value) if cfg[group][name] != "" else value
    return SimpleNamespace(**{k: SimpleNamespace(**v) for k, v in cfg.items()})


def instantiate(node, *args, **extra):
    kwargs = {k: v for k, v in vars(node).items() if k not in ("_target_", "pretrained")}
    mod, _, name = node._target_.rpartition(".")
    return getattr(importlib.import_module(mod), name)(*args, **kwargs, **extra)


class AudioTagger(nn.Module):
    def __init__(self, n_mels, n_classes):
        super().__init__()
        self.conv = nn.Sequential(nn.Conv2d(1, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
                                  nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU())
        self.fc = nn.Linear(64, n_classes)

    def forward(self, mel):
        return self.fc(self.conv(mel.unsqueeze(1)).mean((2, 3)))


def build_model(model_cfg):
    model = instantiate(model_cfg)
    if model_cfg.pretrained:
        state = torch.load(model_cfg.pretrained, map_location="cpu")
        missing, unexpected = model.load_state_dict(state, strict=False)
        print(f"loaded {model_cfg.pretrained}: missing={len(missing)} unexpected={len(unexpected)}")
    return model


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("overrides", nargs="*", help="e.g. model.pretrained=/ckpt/audioset.pt optim.lr=3e-4")
    cfg = parse_overrides(ap.parse_args().overrides)
    model = build_model(cfg.model)
    optimizer = instantiate(cfg.optim, model.parameters())
    model.train()
    for step in range(cfg.trainer.max_steps):
        mel = torch.randn(cfg.trainer.batch_size, cfg.model.n_mels, 100)
        target = (torch.rand(cfg.trainer.batch_size, cfg.model.n_classes) < 0.02).float()
        loss = F.binary_cross_entropy_with_logits(model(mel), target)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if step % 200 == 0:
            print(f"step {step} loss {loss.item():.4f}")


if __name__ == "__main__":
    main()
