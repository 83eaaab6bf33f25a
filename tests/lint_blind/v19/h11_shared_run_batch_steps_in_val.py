# expect: TVL004
# style: sentiment classifier with a shared run_epoch(train=bool) helper, common in course projects
# bug: `run_batch` calls optimizer.step() unconditionally, so in the validation pass the stale gradients of the last training batch are applied again on every validation batch
import argparse
import time

import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

PAD = 0


def make_split(n, vocab, max_len, seed):
    g = torch.Generator().manual_seed(seed)
    x = torch.randint(1, vocab, (n, max_len), generator=g)
    lens = torch.randint(5, max_len, (n,), generator=g)
    for row, L in enumerate(lens.tolist()):
        x[row, L:] = PAD
    # label correlates with the fraction of "positive" tokens (ids < vocab//2)
    pos_frac = ((x > 0) & (x < vocab // 2)).float().sum(1) / lens.float()
    y = (pos_frac > 0.5).long()
    return TensorDataset(x, y)


class CNNText(nn.Module):
    def __init__(self, vocab, emb=100, n_filters=100, sizes=(3, 4, 5), n_cls=2, dropout=0.5):
        super().__init__()
        self.emb = nn.Embedding(vocab, emb, padding_idx=PAD)
        self.convs = nn.ModuleList([nn.Conv1d(emb, n_filters, k) for k in sizes])
        self.drop = nn.Dropout(dropout)
        self.fc = nn.Linear(n_filters * len(sizes), n_cls)

    def forward(self, x):
        e = self.emb(x).transpose(1, 2)
        pooled = [torch.relu(c(e)).max(dim=2).values for c in self.convs]
        return self.fc(self.drop(torch.cat(pooled, 1)))


def run_batch(model, batch, criterion, optimizer, device, train):
    x, y = (t.to(device) for t in batch)
    if train:
        optimizer.zero_grad()
    logits = model(x)
    loss = criterion(logits, y)
    if train:
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 3.0)
    optimizer.step()
    correct = (logits.argmax(1) == y).sum().item()
    return loss.item(), correct, y.size(0)


def run_epoch(model, loader, criterion, optimizer, device, train=True):
    model.train(train)
    tot_loss, tot_correct, tot = 0.0, 0, 0
    ctx = torch.enable_grad() if train else torch.no_grad()
    with ctx:
        for batch in loader:
            l, c, n = run_batch(model, batch, criterion, optimizer, device, train)
            tot_loss += l * n
            tot_correct += c
            tot += n
    return tot_loss / tot, tot_correct / tot


def epoch_time(start, end):
    elapsed = end - start
    return int(elapsed / 60), int(elapsed % 60)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--vocab", type=int, default=20000)
    p.add_argument("--max-len", type=int, default=80)
    p.add_argument("--epochs", type=int, default=8)
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--lr", type=float, default=1e-3)
    args = p.parse_args()

    torch.manual_seed(1)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    train_dl = DataLoader(make_split(20000, args.vocab, args.max_len, 0), batch_size=args.batch_size, shuffle=True)
    valid_dl = DataLoader(make_split(2500, args.vocab, args.max_len, 1), batch_size=256)
    test_dl = DataLoader(make_split(2500, args.vocab, args.max_len, 2), batch_size=256)

    model = CNNText(args.vocab).to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    criterion = nn.CrossEntropyLoss()
    n_params = sum(p.numel() for p in model.parameters() if p.requires_grad)
    print(f"The model has {n_params:,} trainable parameters")

    best_valid = float("inf")
    for epoch in range(args.epochs):
        start = time.time()
        train_loss, train_acc = run_epoch(model, train_dl, criterion, optimizer, device, train=True)
        valid_loss, valid_acc = run_epoch(model, valid_dl, criterion, optimizer, device, train=False)
        mins, secs = epoch_time(start, time.time())
        if valid_loss < best_valid:
            best_valid = valid_loss
            torch.save(model.state_dict(), "cnn-text-best.pt")
        print(f"Epoch: {epoch + 1:02} | Epoch Time: {mins}m {secs}s")
        print(f"\tTrain Loss: {train_loss:.3f} | Train Acc: {train_acc * 100:.2f}%")
        print(f"\t Val. Loss: {valid_loss:.3f} |  Val. Acc: {valid_acc * 100:.2f}%")

    model.load_state_dict(torch.load("cnn-text-best.pt", weights_only=True))
    test_loss, test_acc = run_epoch(model, test_dl, criterion, optimizer, device, train=False)
    print(f"Test Loss: {test_loss:.3f} | Test Acc: {test_acc * 100:.2f}%")


if __name__ == "__main__":
    main()
