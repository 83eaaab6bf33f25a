# expect: clean
# style: timm-like resume_checkpoint() helper fed by --resume (weights_only=True, tensors-only checkpoint)
# note: the checkpoint path comes from argparse but torch.load is called with weights_only=True; the saved dict holds only state_dicts and ints
import argparse
import os

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


def resume_checkpoint(model, checkpoint_path, optimizer=None):
    checkpoint = torch.load(checkpoint_path, map_location="cpu", weights_only=True)
    model.load_state_dict(checkpoint["state_dict"])
    if optimizer is not None and "optimizer" in checkpoint:
        optimizer.load_state_dict(checkpoint["optimizer"])
    return checkpoint.get("epoch", -1) + 1


def save_checkpoint(model, optimizer, epoch, out_dir):
    os.makedirs(out_dir, exist_ok=True)
    torch.save({"state_dict": model.state_dict(), "optimizer": optimizer.state_dict(), "epoch": epoch},
               os.path.join(out_dir, "last.pth.tar"))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--resume", default="", type=str)
    parser.add_argument("--output", default="./output", type=str)
    parser.add_argument("--epochs", default=20, type=int)
    args = parser.parse_args()
    model = nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Linear(64, 5))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    start_epoch = resume_checkpoint(model, args.resume, optimizer) if args.resume else 0
    ds = TensorDataset(torch.randn(1000, 20), torch.randint(0, 5, (1000,)))
    loader = DataLoader(ds, batch_size=50, shuffle=True)
    for epoch in range(start_epoch, args.epochs):
        model.train()
        for x, y in loader:
            loss = F.cross_entropy(model(x), y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        save_checkpoint(model, optimizer, epoch, args.output)
        print(f"epoch {epoch} loss {loss.item():.4f}")


if __name__ == "__main__":
    main()
