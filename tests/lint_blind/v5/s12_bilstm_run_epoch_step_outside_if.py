# expect: TVL004
# style: BiLSTM sequence labelling (NER) with a shared run_epoch(train=...) function, research-code style
# bug: optimizer.step() is dedented out of the `if train:` block, so the validation pass also steps the optimizer with the last training batch's gradients
import argparse
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

PAD = 0


class BiLSTMTagger(nn.Module):
    def __init__(self, vocab, n_tags, emb=100, hidden=200):
        super().__init__()
        self.emb = nn.Embedding(vocab, emb, padding_idx=PAD)
        self.lstm = nn.LSTM(emb, hidden // 2, num_layers=2, bidirectional=True, batch_first=True, dropout=0.3)
        self.drop = nn.Dropout(0.5)
        self.out = nn.Linear(hidden, n_tags)

    def forward(self, tokens):
        h, _ = self.lstm(self.drop(self.emb(tokens)))
        return self.out(self.drop(h))


def run_epoch(model, loader, criterion, optimizer, train=True):
    model.train(train)
    total_loss, correct, count = 0.0, 0, 0
    with torch.set_grad_enabled(train):
        for tokens, tags in loader:
            logits = model(tokens)
            loss = criterion(logits.reshape(-1, logits.size(-1)), tags.reshape(-1))
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
    ap.add_argument("--epochs", type=int, default=30)
    ap.add_argument("--lr", type=float, default=0.015)
    args = ap.parse_args()
    tokens = torch.randint(1, 5000, (3000, 50))
    tags = torch.randint(1, 10, (3000, 50))
    tokens[:, 40:] = PAD
    tags[:, 40:] = PAD
    train_dl = DataLoader(TensorDataset(tokens[:2500], tags[:2500]), batch_size=10, shuffle=True)
    dev_dl = DataLoader(TensorDataset(tokens[2500:], tags[2500:]), batch_size=100)
    model = BiLSTMTagger(5000, 10)
    criterion = nn.CrossEntropyLoss(ignore_index=PAD)
    optimizer = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=0.9)
    best = 0.0
    for epoch in range(args.epochs):
        tr_loss, tr_acc = run_epoch(model, train_dl, criterion, optimizer, train=True)
        dv_loss, dv_acc = run_epoch(model, dev_dl, criterion, optimizer, train=False)
        best = max(best, dv_acc)
        print(f"epoch {epoch}: train {tr_loss:.3f}/{tr_acc:.3f} dev {dv_loss:.3f}/{dv_acc:.3f} best {best:.3f}")


if __name__ == "__main__":
    main()
