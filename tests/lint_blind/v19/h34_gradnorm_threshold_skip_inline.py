# expect: TVL011
# style: LSTM language model on a word-level corpus (PTB-style), inline loop with a "spike guard"
# bug: the loop skips optimizer.step() whenever the total grad norm exceeds args.skip_threshold and just `continue`s, without counting or logging how many updates were dropped
import argparse
import math
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

parser = argparse.ArgumentParser(description="word-level LSTM LM")
parser.add_argument("--emsize", type=int, default=400)
parser.add_argument("--nhid", type=int, default=1150)
parser.add_argument("--nlayers", type=int, default=3)
parser.add_argument("--lr", type=float, default=1e-3)
parser.add_argument("--clip", type=float, default=0.25)
parser.add_argument("--skip_threshold", type=float, default=50.0)
parser.add_argument("--epochs", type=int, default=40)
parser.add_argument("--batch_size", type=int, default=40)
parser.add_argument("--bptt", type=int, default=70)
parser.add_argument("--dropout", type=float, default=0.4)
parser.add_argument("--save", type=str, default="lm.pt")
args = parser.parse_args()

torch.manual_seed(141)
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
ntokens = 10000
train_ids = torch.randint(0, ntokens, (900_000,))
valid_ids = torch.randint(0, ntokens, (70_000,))


def batchify(data, bsz):
    nbatch = data.size(0) // bsz
    return data[: nbatch * bsz].view(bsz, -1).t().contiguous().to(device)


train_data = batchify(train_ids, args.batch_size)
val_data = batchify(valid_ids, 10)


def get_batch(source, i, seq_len):
    seq_len = min(seq_len, len(source) - 1 - i)
    return source[i:i + seq_len], source[i + 1:i + 1 + seq_len].reshape(-1)


class RNNModel(nn.Module):
    def __init__(self):
        super().__init__()
        self.drop = nn.Dropout(args.dropout)
        self.encoder = nn.Embedding(ntokens, args.emsize)
        self.rnn = nn.LSTM(args.emsize, args.nhid, args.nlayers, dropout=args.dropout)
        self.proj = nn.Linear(args.nhid, args.emsize)
        self.decoder = nn.Linear(args.emsize, ntokens)
        self.decoder.weight = self.encoder.weight

    def forward(self, x, hidden):
        emb = self.drop(self.encoder(x))
        out, hidden = self.rnn(emb, hidden)
        return self.decoder(self.proj(self.drop(out))), hidden

    def init_hidden(self, bsz):
        w = next(self.parameters())
        return (w.new_zeros(args.nlayers, bsz, args.nhid), w.new_zeros(args.nlayers, bsz, args.nhid))


def repackage_hidden(h):
    if isinstance(h, torch.Tensor):
        return h.detach()
    return tuple(repackage_hidden(v) for v in h)


model = RNNModel().to(device)
optimizer = torch.optim.Adam(model.parameters(), lr=args.lr, weight_decay=1.2e-6)


def evaluate(data_source):
    model.eval()
    total_loss = 0.0
    hidden = model.init_hidden(10)
    with torch.no_grad():
        for i in range(0, data_source.size(0) - 1, args.bptt):
            data, targets = get_batch(data_source, i, args.bptt)
            output, hidden = model(data, hidden)
            total_loss += len(data) * F.cross_entropy(output.view(-1, ntokens), targets).item()
            hidden = repackage_hidden(hidden)
    return total_loss / (len(data_source) - 1)


best_val_loss = None
for epoch in range(1, args.epochs + 1):
    epoch_start = time.time()
    model.train()
    total_loss = 0.0
    start_time = time.time()
    hidden = model.init_hidden(args.batch_size)
    for batch, i in enumerate(range(0, train_data.size(0) - 1, args.bptt)):
        data, targets = get_batch(train_data, i, args.bptt)
        hidden = repackage_hidden(hidden)
        optimizer.zero_grad()
        output, hidden = model(data, hidden)
        loss = F.cross_entropy(output.view(-1, ntokens), targets)
        loss.backward()
        total_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), args.clip)
        # guard against loss spikes: drop the update when the raw norm explodes
        if total_norm > args.skip_threshold:
            continue
        optimizer.step()
        total_loss += loss.item()

        if batch % 200 == 0 and batch > 0:
            cur_loss = total_loss / 200
            elapsed = time.time() - start_time
            print(f"| epoch {epoch:3d} | {batch:5d} batches | ms/batch {elapsed * 1000 / 200:5.2f} | "
                  f"loss {cur_loss:5.2f} | ppl {math.exp(cur_loss):8.2f}")
            total_loss = 0.0
            start_time = time.time()

    val_loss = evaluate(val_data)
    print("-" * 89)
    print(f"| end of epoch {epoch:3d} | time: {time.time() - epoch_start:5.2f}s | valid loss {val_loss:5.2f} | "
          f"valid ppl {math.exp(val_loss):8.2f}")
    print("-" * 89)
    if best_val_loss is None or val_loss < best_val_loss:
        with open(args.save, "wb") as f:
            torch.save(model.state_dict(), f)
        best_val_loss = val_loss
