# expect: TVL014
# style: cluster job script reading paths from environment variables, helper load_checkpoint(), text classification fine-tuning
# bug: INIT_CKPT comes from os.environ and is passed to load_checkpoint(), which calls torch.load(path) without weights_only=True.
import logging
import os
import time

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

logging.basicConfig(level=logging.INFO, format="[%(asctime)s] %(message)s")
log = logging.getLogger()

RUN_DIR = os.environ.get("RUN_DIR", "./run")
INIT_CKPT = os.environ.get("INIT_CKPT")
EPOCHS = int(os.environ.get("EPOCHS", "3"))
LR = float(os.environ.get("LR", "1e-4"))


class CNNText(nn.Module):
    def __init__(self, vocab=25000, d=200, n_filters=100, sizes=(3, 4, 5), n_classes=6):
        super().__init__()
        self.emb = nn.Embedding(vocab, d, padding_idx=0)
        self.convs = nn.ModuleList(nn.Conv1d(d, n_filters, k) for k in sizes)
        self.drop = nn.Dropout(0.5)
        self.fc = nn.Linear(n_filters * len(sizes), n_classes)

    def forward(self, ids):
        e = self.emb(ids).transpose(1, 2)
        pooled = [F.relu(c(e)).amax(-1) for c in self.convs]
        return self.fc(self.drop(torch.cat(pooled, 1)))


def load_checkpoint(model, path):
    state = torch.load(path, map_location="cpu")
    if "state_dict" in state:
        state = state["state_dict"]
    state = {k.replace("module.", ""): v for k, v in state.items()}
    missing, unexpected = model.load_state_dict(state, strict=False)
    log.info("loaded %s (missing=%d unexpected=%d)", path, len(missing), len(unexpected))
    return model


def make_loaders():
    ids = torch.randint(1, 25000, (6000, 100))
    y = torch.randint(0, 6, (6000,))
    train = DataLoader(TensorDataset(ids[:5000], y[:5000]), batch_size=64, shuffle=True)
    val = DataLoader(TensorDataset(ids[5000:], y[5000:]), batch_size=256)
    return train, val


def dump_run_config(path):
    cfg = {"RUN_DIR": RUN_DIR, "INIT_CKPT": INIT_CKPT, "EPOCHS": EPOCHS, "LR": LR,
           "SLURM_JOB_ID": os.environ.get("SLURM_JOB_ID"), "host": os.uname().nodename}
    with open(path, "w") as f:
        for k, v in cfg.items():
            f.write(f"{k}={v}\n")
    log.info("run config written to %s", path)


def main():
    os.makedirs(RUN_DIR, exist_ok=True)
    dump_run_config(os.path.join(RUN_DIR, "config.txt"))
    model = CNNText()
    if INIT_CKPT:
        load_checkpoint(model, INIT_CKPT)
    train_dl, val_dl = make_loaders()
    opt = torch.optim.Adam(model.parameters(), lr=LR)
    for epoch in range(EPOCHS):
        t0 = time.time()
        model.train()
        tot = 0.0
        for ids, y in train_dl:
            opt.zero_grad()
            loss = F.cross_entropy(model(ids), y)
            loss.backward()
            opt.step()
            tot += loss.item()
        model.eval()
        with torch.no_grad():
            correct = sum((model(ids).argmax(1) == y).sum().item() for ids, y in val_dl)
        log.info("epoch %d loss %.4f val acc %.4f (%.0fs)", epoch, tot / len(train_dl), correct / 1000, time.time() - t0)
        torch.save(model.state_dict(), os.path.join(RUN_DIR, f"epoch{epoch}.pt"))


if __name__ == "__main__":
    main()
