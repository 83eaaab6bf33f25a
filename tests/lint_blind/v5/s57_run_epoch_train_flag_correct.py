# expect: clean
# style: sequence labelling (BiLSTM, CoNLL-like) with one shared run_epoch(train=...) function for training and evaluation
# note: model.train(train) toggles both modes in the same helper, and zero_grad/backward/step all sit inside `if train:`, so evaluation never steps the optimizer
import argparse
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

PAD = 0


class CharWordTagger(nn.Module):
    def __init__(self, vocab, n_tags, emb=128, hidden=256):
        super().__init__()
        self.emb = nn.Embedding(vocab, emb, padding_idx=PAD)
        self.lstm = nn.LSTM(emb, hidden // 2, bidirectional=True, batch_first=True)
        self.drop = nn.Dropout(0.33)
        self.proj = nn.Linear(hidden, n_tags)

    def forward(self, tokens):
        h, _ = self.lstm(self.drop(self.emb(tokens)))
        return self.proj(self.drop(h))


def run_epoch(model, loader, criterion, optimizer=None, train=True):
    model.train(train)
    total_loss, correct, count = 0.0, 0, 0
    with torch.set_grad_enabled(train):
        for tokens, tags in loader:
            logits = model(tokens)
            loss = criterion(logits.flatten(0, 1), tags.flatten())
            if train:
                optimizer.zero_grad()
                loss.backward()
                nn.utils.clip_grad_norm_(model.parameters(), 5.0)
                optimizer.step()
            mask = tags != PAD
            correct += ((logits.argmax(-1) == tags) & mask).sum().item()
            count += mask.sum().item()
            total_loss += loss.item()
    return total_loss / len(loader), correct / max(count, 1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=25)
    ap.add_argument("--lr", type=float, default=1e-3)
    args = ap.parse_args()
    tokens = torch.randint(1, 8000, (4000, 40))
    tags = torch.randint(1, 12, (4000, 40))
    tokens[:, 32:], tags[:, 32:] = PAD, PAD
    train_dl = DataLoader(TensorDataset(tokens[:3500], tags[:3500]), batch_size=32, shuffle=True)
    dev_dl = DataLoader(TensorDataset(tokens[3500:], tags[3500:]), batch_size=128)
    model = CharWordTagger(8000, 12)
    criterion = nn.CrossEntropyLoss(ignore_index=PAD)
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer, mode="max", patience=2)
    for epoch in range(args.epochs):
        tr = run_epoch(model, train_dl, criterion, optimizer, train=True)
        dv = run_epoch(model, dev_dl, criterion, train=False)
        scheduler.step(dv[1])
        print(f"epoch {epoch}: train loss {tr[0]:.3f} acc {tr[1]:.3f} | dev loss {dv[0]:.3f} acc {dv[1]:.3f}")


if __name__ == "__main__":
    main()
