# expect: TVL003
# style: course project, sentiment classification with a BiLSTM on synthetic token ids
# bug: optimizer.zero_grad() sits between loss.backward() and optimizer.step(), so every step applies zero gradients.
import argparse
import time

import torch
import torch.nn as nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_sequence
from torch.utils.data import DataLoader, Dataset

PAD = 0


class ReviewDataset(Dataset):
    def __init__(self, n=3000, vocab=5000, seed=0):
        g = torch.Generator().manual_seed(seed)
        self.items = []
        for _ in range(n):
            length = int(torch.randint(8, 60, (1,), generator=g))
            ids = torch.randint(1, vocab, (length,), generator=g)
            label = int(ids[:5].sum() % 2)
            self.items.append((ids, label))

    def __len__(self):
        return len(self.items)

    def __getitem__(self, i):
        return self.items[i]


def collate(batch):
    seqs, labels = zip(*batch)
    lengths = torch.tensor([len(s) for s in seqs])
    return pad_sequence(seqs, batch_first=True, padding_value=PAD), lengths, torch.tensor(labels)


class BiLSTMClassifier(nn.Module):
    def __init__(self, vocab, emb=128, hidden=128, n_cls=2, dropout=0.3):
        super().__init__()
        self.emb = nn.Embedding(vocab, emb, padding_idx=PAD)
        self.lstm = nn.LSTM(emb, hidden, batch_first=True, bidirectional=True)
        self.drop = nn.Dropout(dropout)
        self.out = nn.Linear(hidden * 2, n_cls)

    def forward(self, ids, lengths):
        packed = pack_padded_sequence(self.emb(ids), lengths.cpu(), batch_first=True, enforce_sorted=False)
        _, (h, _) = self.lstm(packed)
        h = torch.cat([h[-2], h[-1]], dim=1)
        return self.out(self.drop(h))


def accuracy(logits, y):
    return (logits.argmax(1) == y).float().mean().item()


def main():
    ap = argparse.ArgumentParser(description="BiLSTM sentiment")
    ap.add_argument("--epochs", type=int, default=8)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--clip", type=float, default=5.0)
    args = ap.parse_args()

    train_loader = DataLoader(ReviewDataset(seed=0), batch_size=64, shuffle=True, collate_fn=collate)
    dev_loader = DataLoader(ReviewDataset(n=600, seed=1), batch_size=128, collate_fn=collate)

    model = BiLSTMClassifier(5000)
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    criterion = nn.CrossEntropyLoss()

    for epoch in range(1, args.epochs + 1):
        start = time.time()
        model.train()
        tot_loss, tot_acc, nb = 0.0, 0.0, 0
        for ids, lengths, labels in train_loader:
            logits = model(ids, lengths)
            loss = criterion(logits, labels)
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), args.clip)
            optimizer.zero_grad()
            optimizer.step()
            tot_loss += loss.item()
            tot_acc += accuracy(logits, labels)
            nb += 1

        model.eval()
        dev_acc, dn = 0.0, 0
        with torch.no_grad():
            for ids, lengths, labels in dev_loader:
                dev_acc += accuracy(model(ids, lengths), labels)
                dn += 1
        print(f"Epoch {epoch} | loss {tot_loss / nb:.3f} | train acc {tot_acc / nb:.3f} "
              f"| dev acc {dev_acc / dn:.3f} | {time.time() - start:.1f}s")

    torch.save(model.state_dict(), "bilstm_sentiment.pt")


if __name__ == "__main__":
    main()
