# expect: TVL004
# style: research repo split into train_one_epoch / evaluate functions, sentiment GRU with dropout
# bug: evaluate() puts the model in eval mode and train_one_epoch() never calls model.train(); main() only calls model.train() once before the loop, so after the first validation the model trains in eval mode
import argparse
import logging

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

logging.basicConfig(format="%(asctime)s | %(message)s", level=logging.INFO)
logger = logging.getLogger(__name__)
PAD = 0


class ReviewDataset(Dataset):
    def __init__(self, n, vocab=15000, max_len=120, seed=0):
        g = torch.Generator().manual_seed(seed)
        self.lens = torch.randint(10, max_len, (n,), generator=g)
        self.tokens = torch.randint(1, vocab, (n, max_len), generator=g)
        self.labels = torch.randint(0, 2, (n,), generator=g)

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, i):
        L = int(self.lens[i])
        return self.tokens[i, :L], self.labels[i]


def collate(batch):
    seqs, labels = zip(*batch)
    lengths = torch.tensor([len(s) for s in seqs])
    padded = nn.utils.rnn.pad_sequence(seqs, batch_first=True, padding_value=PAD)
    return padded, lengths, torch.stack(labels)


class GRUClassifier(nn.Module):
    def __init__(self, vocab, emb=200, hidden=256, dropout=0.4):
        super().__init__()
        self.emb = nn.Embedding(vocab, emb, padding_idx=PAD)
        self.gru = nn.GRU(emb, hidden, batch_first=True, bidirectional=True)
        self.drop = nn.Dropout(dropout)
        self.out = nn.Linear(2 * hidden, 2)

    def forward(self, x, lengths):
        packed = nn.utils.rnn.pack_padded_sequence(self.drop(self.emb(x)), lengths.cpu(),
                                                   batch_first=True, enforce_sorted=False)
        _, h = self.gru(packed)
        h = torch.cat([h[-2], h[-1]], dim=-1)
        return self.out(self.drop(h))


def train_one_epoch(model, loader, optimizer, device, epoch, log_interval=50):
    total = 0.0
    for i, (x, lengths, y) in enumerate(loader):
        x, y = x.to(device), y.to(device)
        optimizer.zero_grad()
        loss = F.cross_entropy(model(x, lengths), y)
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 3.0)
        optimizer.step()
        total += loss.item()
        if i % log_interval == 0:
            logger.info("epoch %d [%d/%d] loss %.4f", epoch, i, len(loader), loss.item())
    return total / len(loader)


@torch.no_grad()
def evaluate(model, loader, device):
    model.eval()
    correct = n = 0
    loss_sum = 0.0
    for x, lengths, y in loader:
        x, y = x.to(device), y.to(device)
        logits = model(x, lengths)
        loss_sum += F.cross_entropy(logits, y, reduction="sum").item()
        correct += (logits.argmax(-1) == y).sum().item()
        n += y.size(0)
    return loss_sum / n, correct / n


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--batch_size", type=int, default=64)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--vocab", type=int, default=15000)
    parser.add_argument("--save", default="gru_sentiment.pt")
    args = parser.parse_args()

    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    train_loader = DataLoader(ReviewDataset(10000, args.vocab), batch_size=args.batch_size,
                              shuffle=True, collate_fn=collate)
    val_loader = DataLoader(ReviewDataset(2000, args.vocab, seed=1), batch_size=256,
                            shuffle=False, collate_fn=collate)

    model = GRUClassifier(args.vocab).to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    best = 0.0
    model.train()
    for epoch in range(1, args.epochs + 1):
        tr_loss = train_one_epoch(model, train_loader, optimizer, device, epoch)
        val_loss, val_acc = evaluate(model, val_loader, device)
        logger.info("epoch %d train %.4f val %.4f acc %.4f", epoch, tr_loss, val_loss, val_acc)
        if val_acc > best:
            best = val_acc
            torch.save(model.state_dict(), args.save)
    logger.info("best accuracy %.4f", best)


if __name__ == "__main__":
    main()
