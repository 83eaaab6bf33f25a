# expect: TVL004
# style: research repo NER tagger (BiLSTM) with separate train_one_epoch / validate functions and argparse
# bug: validate() puts the model in eval mode and train_one_epoch() never calls model.train(); main() only calls it once before the loop.
import argparse
import logging

import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

logger = logging.getLogger("ner")
PAD = 0


class BiLSTMTagger(nn.Module):
    def __init__(self, vocab, n_tags, emb=128, hidden=256, dropout=0.33):
        super().__init__()
        self.emb = nn.Embedding(vocab, emb, padding_idx=PAD)
        self.drop = nn.Dropout(dropout)
        self.lstm = nn.LSTM(emb, hidden, batch_first=True, bidirectional=True)
        self.proj = nn.Linear(2 * hidden, n_tags)

    def forward(self, tokens):
        h, _ = self.lstm(self.drop(self.emb(tokens)))
        return self.proj(self.drop(h))


def train_one_epoch(model, loader, optimizer, criterion, clip):
    total, steps = 0.0, 0
    for tokens, tags in loader:
        optimizer.zero_grad()
        logits = model(tokens)
        loss = criterion(logits.reshape(-1, logits.size(-1)), tags.reshape(-1))
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), clip)
        optimizer.step()
        total += loss.item()
        steps += 1
    return total / max(steps, 1)


@torch.no_grad()
def validate(model, loader):
    model.eval()
    correct = count = 0
    for tokens, tags in loader:
        pred = model(tokens).argmax(-1)
        mask = tags != -100
        correct += (pred[mask] == tags[mask]).sum().item()
        count += mask.sum().item()
    return correct / max(count, 1)


def synthetic(n, vocab, n_tags, length=40):
    toks = torch.randint(1, vocab, (n, length))
    tags = torch.randint(0, n_tags, (n, length))
    tags[:, length - 5:] = -100
    toks[:, length - 5:] = PAD
    return TensorDataset(toks, tags)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--vocab", type=int, default=20000)
    ap.add_argument("--tags", type=int, default=9)
    ap.add_argument("--epochs", type=int, default=15)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--clip", type=float, default=5.0)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)

    model = BiLSTMTagger(args.vocab, args.tags)
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    criterion = nn.CrossEntropyLoss(ignore_index=-100)
    train_dl = DataLoader(synthetic(3000, args.vocab, args.tags), batch_size=32, shuffle=True)
    dev_dl = DataLoader(synthetic(500, args.vocab, args.tags), batch_size=64)

    best, patience = 0.0, 0
    model.train()
    for epoch in range(args.epochs):
        loss = train_one_epoch(model, train_dl, optimizer, criterion, args.clip)
        acc = validate(model, dev_dl)
        logger.info("epoch %d loss %.4f dev token acc %.4f", epoch, loss, acc)
        if acc > best:
            best, patience = acc, 0
            torch.save(model.state_dict(), "tagger.best.pt")
        else:
            patience += 1
            if patience >= 3:
                logger.info("early stopping")
                break


if __name__ == "__main__":
    main()
