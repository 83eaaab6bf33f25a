# expect: TVL001
# style: research repo with argparse, NLP sentence classifier, encoder+head
# bug: the encode() helper wraps the encoder forward in torch.no_grad(), so the encoder the optimizer is meant to fine-tune never receives gradients; only the head trains.
import argparse
import logging
import math
import random

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
log = logging.getLogger("sentcls")

PAD = 0


class ToySentences(Dataset):
    def __init__(self, n, vocab, max_len, n_classes, seed=0):
        g = random.Random(seed)
        self.items = []
        for _ in range(n):
            length = g.randint(4, max_len)
            toks = [g.randint(1, vocab - 1) for _ in range(length)]
            label = sum(toks) % n_classes
            self.items.append((toks, label))

    def __len__(self):
        return len(self.items)

    def __getitem__(self, i):
        return self.items[i]


def collate(batch):
    longest = max(len(t) for t, _ in batch)
    ids = torch.full((len(batch), longest), PAD, dtype=torch.long)
    for row, (toks, _) in enumerate(batch):
        ids[row, : len(toks)] = torch.tensor(toks)
    labels = torch.tensor([y for _, y in batch], dtype=torch.long)
    return ids, labels


class Encoder(nn.Module):
    def __init__(self, vocab, dim, layers):
        super().__init__()
        self.emb = nn.Embedding(vocab, dim, padding_idx=PAD)
        block = nn.TransformerEncoderLayer(dim, nhead=4, dim_feedforward=dim * 4, batch_first=True)
        self.body = nn.TransformerEncoder(block, num_layers=layers)

    def forward(self, ids):
        pad_mask = ids.eq(PAD)
        h = self.body(self.emb(ids), src_key_padding_mask=pad_mask)
        keep = (~pad_mask).unsqueeze(-1).float()
        return (h * keep).sum(1) / keep.sum(1).clamp(min=1.0)


class Classifier(nn.Module):
    def __init__(self, encoder, dim, n_classes):
        super().__init__()
        self.encoder = encoder
        self.head = nn.Sequential(nn.Dropout(0.1), nn.Linear(dim, n_classes))

    def encode(self, ids):
        # pooled sentence features; cheap to compute once per batch
        with torch.no_grad():
            return self.encoder(ids)

    def forward(self, ids):
        return self.head(self.encode(ids))


def evaluate(model, loader, device):
    model.eval()
    correct = total = 0
    with torch.no_grad():
        for ids, y in loader:
            ids, y = ids.to(device), y.to(device)
            correct += (model(ids).argmax(-1) == y).sum().item()
            total += y.numel()
    model.train()
    return correct / max(total, 1)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--dim", type=int, default=128)
    p.add_argument("--layers", type=int, default=2)
    p.add_argument("--epochs", type=int, default=5)
    p.add_argument("--lr", type=float, default=3e-4)
    p.add_argument("--bs", type=int, default=32)
    args = p.parse_args()

    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    train_ds = ToySentences(4000, 1000, 48, 4, seed=1)
    val_ds = ToySentences(500, 1000, 48, 4, seed=2)
    train_dl = DataLoader(train_ds, batch_size=args.bs, shuffle=True, collate_fn=collate)
    val_dl = DataLoader(val_ds, batch_size=128, shuffle=False, collate_fn=collate)

    model = Classifier(Encoder(1000, args.dim, args.layers), args.dim, 4).to(device)
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.01)
    total_steps = args.epochs * len(train_dl)
    warmup = total_steps // 10
    sched = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: min(1.0, (s + 1) / max(warmup, 1)) * 0.5 * (1 + math.cos(math.pi * s / total_steps))
    )

    step = 0
    for epoch in range(args.epochs):
        model.train()
        running = 0.0
        for ids, y in train_dl:
            ids, y = ids.to(device), y.to(device)
            logits = model(ids)
            loss = F.cross_entropy(logits, y, label_smoothing=0.05)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            sched.step()
            running += loss.item()
            step += 1
        acc = evaluate(model, val_dl, device)
        log.info("epoch %d loss %.4f val_acc %.4f lr %.2e", epoch, running / len(train_dl), acc, sched.get_last_lr()[0])
    torch.save(model.state_dict(), "sentcls.pt")


if __name__ == "__main__":
    main()
