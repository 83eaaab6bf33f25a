# expect: TVL014
# style: dataclass config parsed from CLI (HfArgumentParser-like), speech-to-intent fine-tuning with an init checkpoint
# bug: Checkpointer.restore() loads cfg.init_from (a command-line path) with torch.load(..., weights_only=False) because the checkpoint also stores the config object
import argparse
import dataclasses
import logging
from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

logger = logging.getLogger("slu")


@dataclass
class TrainConfig:
    init_from: str = ""
    n_mels: int = 80
    n_intents: int = 31
    hidden: int = 256
    lr: float = 5e-4
    epochs: int = 15
    batch_size: int = 32
    save_path: str = "slu_ckpt.pt"


def parse_config():
    p = argparse.ArgumentParser()
    for f in dataclasses.fields(TrainConfig):
        p.add_argument(f"--{f.name.replace('_', '-')}", type=type(f.default), default=f.default)
    return TrainConfig(**vars(p.parse_args()))


class IntentModel(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.frontend = nn.Sequential(nn.Conv1d(cfg.n_mels, cfg.hidden, 5, stride=2, padding=2), nn.GELU(),
                                      nn.Conv1d(cfg.hidden, cfg.hidden, 5, stride=2, padding=2), nn.GELU())
        self.rnn = nn.GRU(cfg.hidden, cfg.hidden, 2, batch_first=True, bidirectional=True)
        self.cls = nn.Linear(2 * cfg.hidden, cfg.n_intents)

    def forward(self, mels):
        h = self.frontend(mels).transpose(1, 2)
        h, _ = self.rnn(h)
        return self.cls(h.mean(1))


class Checkpointer:
    def __init__(self, cfg):
        self.cfg = cfg

    def save(self, model, epoch):
        torch.save({"model": model.state_dict(), "epoch": epoch, "config": self.cfg}, self.cfg.save_path)

    def restore(self, model):
        if not self.cfg.init_from:
            return 0
        blob = torch.load(self.cfg.init_from, map_location="cpu", weights_only=False)
        model.load_state_dict(blob["model"], strict=False)
        logger.info("initialised from %s (trained with %s)", self.cfg.init_from, blob.get("config"))
        return 0


def run(cfg):
    model = IntentModel(cfg)
    ckpt = Checkpointer(cfg)
    ckpt.restore(model)
    opt = torch.optim.AdamW(model.parameters(), lr=cfg.lr)
    sched = torch.optim.lr_scheduler.ExponentialLR(opt, gamma=0.9)
    tr = TensorDataset(torch.randn(3000, cfg.n_mels, 300), torch.randint(0, cfg.n_intents, (3000,)))
    va = TensorDataset(torch.randn(400, cfg.n_mels, 300), torch.randint(0, cfg.n_intents, (400,)))
    tr_dl = DataLoader(tr, batch_size=cfg.batch_size, shuffle=True)
    va_dl = DataLoader(va, batch_size=128)
    best = 0.0
    for epoch in range(cfg.epochs):
        model.train()
        s = 0.0
        for mels, y in tr_dl:
            loss = F.cross_entropy(model(mels), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            s += loss.item()
        sched.step()
        model.eval()
        with torch.no_grad():
            acc = sum((model(m).argmax(-1) == y).sum().item() for m, y in va_dl) / len(va)
        logger.info("epoch %d loss %.4f intent acc %.4f", epoch, s / len(tr_dl), acc)
        if acc > best:
            best = acc
            ckpt.save(model, epoch)


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    run(parse_config())
