# expect: clean
# style: torchtune/ESPnet-like checkpointer helper (save_checkpoint / load_checkpoint with --resume_from, map_location, weights_only)
# note: the command-line checkpoint path is loaded with torch.load(..., weights_only=True); the checkpoint holds only tensors, ints and plain dicts
import argparse
import logging
import os

import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

log = logging.getLogger(__name__)


def save_checkpoint(path, model, optimizer, epoch):
    torch.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(), "epoch": epoch}, path)


def load_checkpoint(path, model, optimizer):
    ckpt = torch.load(path, map_location="cpu", weights_only=True)
    model.load_state_dict(ckpt["model"])
    optimizer.load_state_dict(ckpt["optimizer"])
    log.info("resumed from %s at epoch %d", path, ckpt["epoch"])
    return ckpt["epoch"] + 1


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--resume_from", type=str, default=None)
    ap.add_argument("--output_dir", type=str, default="exp")
    ap.add_argument("--max_epoch", type=int, default=10)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    os.makedirs(args.output_dir, exist_ok=True)
    model = nn.Sequential(nn.Linear(80, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(), nn.Linear(256, 40))
    optimizer = torch.optim.Adam(model.parameters(), lr=2e-3)
    start_epoch = load_checkpoint(args.resume_from, model, optimizer) if args.resume_from else 0
    loader = DataLoader(TensorDataset(torch.randn(3000, 80), torch.randint(0, 40, (3000,))), batch_size=50, shuffle=True)
    for epoch in range(start_epoch, args.max_epoch):
        model.train()
        stats = {"loss": 0.0, "acc": 0.0}
        for feats, phones in loader:
            logits = model(feats)
            loss = nn.functional.cross_entropy(logits, phones)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            stats["loss"] += loss.item() / len(loader)
            stats["acc"] += (logits.argmax(-1) == phones).float().mean().item() / len(loader)
        log.info("epoch %d %s", epoch, {k: round(v, 4) for k, v in stats.items()})
        save_checkpoint(os.path.join(args.output_dir, "checkpoint.pth"), model, optimizer, epoch)


if __name__ == "__main__":
    main()
