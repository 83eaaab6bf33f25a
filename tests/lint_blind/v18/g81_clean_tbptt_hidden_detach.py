# expect: clean
# style: word-level LSTM language model with truncated BPTT (PyTorch word_language_model style)
# note: the hidden state is detached each step (repackage_hidden) and the loop accumulates `total_loss += loss.item()`, which look like TVL002/TVL012, but detaching the carried state is the intended truncation (the current segment's path from model to loss is intact) and only floats are accumulated.
import argparse
import math
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

parser = argparse.ArgumentParser()
parser.add_argument("--emsize", type=int, default=200)
parser.add_argument("--nhid", type=int, default=200)
parser.add_argument("--lr", type=float, default=20.0)
parser.add_argument("--clip", type=float, default=0.25)
parser.add_argument("--epochs", type=int, default=6)
parser.add_argument("--bptt", type=int, default=35)
parser.add_argument("--batch_size", type=int, default=20)
args = parser.parse_args()
torch.manual_seed(0)

words = ("the cat sat on the mat and the dog sat on the log while the bird sang " * 2000).split()
vocab = {w: i for i, w in enumerate(sorted(set(words)))}
ids = torch.tensor([vocab[w] for w in words])
split = int(0.9 * len(ids))


def batchify(data, bsz):
    nbatch = data.size(0) // bsz
    return data[: nbatch * bsz].view(bsz, -1).t().contiguous()


train_data = batchify(ids[:split], args.batch_size)
val_data = batchify(ids[split:], 10)


class RNNModel(nn.Module):
    def __init__(self, ntoken, ninp, nhid, nlayers=2, dropout=0.2):
        super().__init__()
        self.drop = nn.Dropout(dropout)
        self.encoder = nn.Embedding(ntoken, ninp)
        self.rnn = nn.LSTM(ninp, nhid, nlayers, dropout=dropout)
        self.decoder = nn.Linear(nhid, ntoken)
        self.nlayers, self.nhid = nlayers, nhid

    def forward(self, inp, hidden):
        out, hidden = self.rnn(self.drop(self.encoder(inp)), hidden)
        return self.decoder(self.drop(out)), hidden

    def init_hidden(self, bsz):
        w = next(self.parameters())
        return (w.new_zeros(self.nlayers, bsz, self.nhid), w.new_zeros(self.nlayers, bsz, self.nhid))


def repackage_hidden(h):
    if isinstance(h, torch.Tensor):
        return h.detach()
    return tuple(repackage_hidden(v) for v in h)


def get_batch(source, i):
    seq_len = min(args.bptt, len(source) - 1 - i)
    return source[i:i + seq_len], source[i + 1:i + 1 + seq_len].reshape(-1)


model = RNNModel(len(vocab), args.emsize, args.nhid)
optimizer = torch.optim.SGD(model.parameters(), lr=args.lr)


def evaluate(data):
    model.eval()
    total, hidden = 0.0, model.init_hidden(data.size(1))
    with torch.no_grad():
        for i in range(0, data.size(0) - 1, args.bptt):
            x, y = get_batch(data, i)
            out, hidden = model(x, hidden)
            total += len(x) * F.cross_entropy(out.view(-1, len(vocab)), y).item()
    return total / (len(data) - 1)


best_val = None
for epoch in range(1, args.epochs + 1):
    model.train()
    total_loss, start = 0.0, time.time()
    hidden = model.init_hidden(args.batch_size)
    for batch, i in enumerate(range(0, train_data.size(0) - 1, args.bptt)):
        x, y = get_batch(train_data, i)
        hidden = repackage_hidden(hidden)
        optimizer.zero_grad()
        out, hidden = model(x, hidden)
        loss = F.cross_entropy(out.view(-1, len(vocab)), y)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), args.clip)
        optimizer.step()
        total_loss += loss.item()
    val_loss = evaluate(val_data)
    print(f"| epoch {epoch} | train ppl {math.exp(total_loss / (batch + 1)):.2f} | valid ppl {math.exp(val_loss):.2f} "
          f"| {time.time() - start:.1f}s")
    if best_val is None or val_loss < best_val:
        best_val = val_loss
        torch.save(model.state_dict(), "lstm_lm.pt")
    else:
        for g in optimizer.param_groups:
            g["lr"] /= 4.0
