# expect: clean
# style: sentiment classifier with a loaders factory that shuffles every split, validation accuracy/F1 computed from (pred, label) pairs taken from the same batch
# note: the validation DataLoader has shuffle=True, but every metric is computed from predictions paired with the labels of the same batch, so the order does not matter
import argparse
import logging

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

log = logging.getLogger("sst")


def make_loaders(splits, batch_size):
    # shuffling the dev split too: the metrics below are order-free
    return {name: DataLoader(ds, batch_size=batch_size, shuffle=True, drop_last=(name == "train"))
            for name, ds in splits.items()}


class GRUClassifier(nn.Module):
    def __init__(self, vocab=20000, emb=200, hidden=256, n_classes=2):
        super().__init__()
        self.emb = nn.Embedding(vocab, emb, padding_idx=0)
        self.gru = nn.GRU(emb, hidden, batch_first=True, bidirectional=True)
        self.fc = nn.Linear(2 * hidden, n_classes)

    def forward(self, ids):
        out, _ = self.gru(self.emb(ids))
        mask = (ids != 0).unsqueeze(-1).float()
        pooled = (out * mask).sum(1) / mask.sum(1).clamp(min=1)
        return self.fc(pooled)


@torch.no_grad()
def evaluate(model, loader):
    model.eval()
    tp = fp = fn = correct = n = 0
    for ids, y in loader:
        pred = model(ids).argmax(-1)
        correct += (pred == y).sum().item()
        tp += ((pred == 1) & (y == 1)).sum().item()
        fp += ((pred == 1) & (y == 0)).sum().item()
        fn += ((pred == 0) & (y == 1)).sum().item()
        n += len(y)
    model.train()
    f1 = 2 * tp / max(2 * tp + fp + fn, 1)
    return correct / n, f1


def synth(n, L=60):
    ids = torch.randint(1, 20000, (n, L))
    ids[:, 45:] = 0
    y = (ids[:, 0] % 2).long()
    return TensorDataset(ids, y)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=8)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--bs", type=int, default=64)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)

    loaders = make_loaders({"train": synth(8000), "dev": synth(1000)}, args.bs)
    model = GRUClassifier()
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    best_f1 = 0.0
    for epoch in range(args.epochs):
        model.train()
        total = 0.0
        for ids, y in loaders["train"]:
            opt.zero_grad()
            loss = F.cross_entropy(model(ids), y)
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 5.0)
            opt.step()
            total += loss.item()
        acc, f1 = evaluate(model, loaders["dev"])
        log.info("epoch %d loss %.4f dev acc %.4f f1 %.4f", epoch, total / len(loaders["train"]), acc, f1)
        if f1 > best_f1:
            best_f1 = f1
            torch.save(model.state_dict(), "gru_sst.pt")


if __name__ == "__main__":
    main()
