# expect: TVL004
# style: pytorch/examples word_language_model main.py (module-level train()/evaluate() functions)
# bug: evaluate() calls model.eval(); train() never calls model.train(), so dropout is off after the first epoch
import argparse
import math
import time

import torch
import torch.nn as nn

parser = argparse.ArgumentParser(description="LSTM language model")
parser.add_argument("--emsize", type=int, default=200)
parser.add_argument("--nhid", type=int, default=200)
parser.add_argument("--lr", type=float, default=20.0)
parser.add_argument("--epochs", type=int, default=6)
parser.add_argument("--bptt", type=int, default=35)
parser.add_argument("--clip", type=float, default=0.25)
args = parser.parse_args()

ntokens = 1000
train_data = torch.randint(0, ntokens, (2000, 20))
val_data = torch.randint(0, ntokens, (400, 10))


class RNNModel(nn.Module):
    def __init__(self, ntoken, ninp, nhid, dropout=0.5):
        super().__init__()
        self.drop = nn.Dropout(dropout)
        self.encoder = nn.Embedding(ntoken, ninp)
        self.rnn = nn.LSTM(ninp, nhid, 2, dropout=dropout)
        self.decoder = nn.Linear(nhid, ntoken)

    def forward(self, inp):
        emb = self.drop(self.encoder(inp))
        output, _ = self.rnn(emb)
        return self.decoder(self.drop(output))


model = RNNModel(ntokens, args.emsize, args.nhid)
criterion = nn.CrossEntropyLoss()
optimizer = torch.optim.SGD(model.parameters(), lr=args.lr)


def get_batch(source, i):
    seq_len = min(args.bptt, len(source) - 1 - i)
    return source[i:i + seq_len], source[i + 1:i + 1 + seq_len].reshape(-1)


def evaluate(data_source):
    model.eval()
    total_loss = 0.0
    with torch.no_grad():
        for i in range(0, data_source.size(0) - 1, args.bptt):
            data, targets = get_batch(data_source, i)
            output = model(data)
            total_loss += len(data) * criterion(output.view(-1, ntokens), targets).item()
    return total_loss / (len(data_source) - 1)


def train(epoch):
    total_loss = 0.0
    start_time = time.time()
    for batch, i in enumerate(range(0, train_data.size(0) - 1, args.bptt)):
        data, targets = get_batch(train_data, i)
        optimizer.zero_grad()
        output = model(data)
        loss = criterion(output.view(-1, ntokens), targets)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), args.clip)
        optimizer.step()
        total_loss += loss.item()
    print(f"| epoch {epoch:3d} | {time.time() - start_time:5.2f}s | loss {total_loss / (batch + 1):5.2f}")


for epoch in range(1, args.epochs + 1):
    train(epoch)
    val_loss = evaluate(val_data)
    print(f"| end of epoch {epoch:3d} | valid loss {val_loss:5.2f} | valid ppl {math.exp(val_loss):8.2f}")
