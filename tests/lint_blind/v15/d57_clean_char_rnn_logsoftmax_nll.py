# expect: clean
# style: classic char-RNN language model tutorial script; the model returns log-probabilities
# note: the model ends in LogSoftmax and the loss is nn.NLLLoss, which looks like a "softmax before the loss" — but NLLLoss expects log-probabilities, so log_softmax + NLLLoss is the correct pairing (targets are Long indices)
import math
import random
import time

import torch
import torch.nn as nn

torch.manual_seed(0)
random.seed(0)

corpus = ("the quick brown fox jumps over the lazy dog. " * 200 +
          "pack my box with five dozen liquor jugs. " * 200)
all_chars = sorted(set(corpus))
n_chars = len(all_chars)
char_to_idx = {c: i for i, c in enumerate(all_chars)}


def to_tensor(s):
    return torch.tensor([char_to_idx[c] for c in s], dtype=torch.long)


data = to_tensor(corpus)
split = int(0.9 * len(data))
train_data, val_data = data[:split], data[split:]
SEQ_LEN, BATCH = 100, 32


def random_batch(src):
    starts = [random.randint(0, len(src) - SEQ_LEN - 2) for _ in range(BATCH)]
    inp = torch.stack([src[s : s + SEQ_LEN] for s in starts])
    tgt = torch.stack([src[s + 1 : s + SEQ_LEN + 1] for s in starts])
    return inp, tgt


class CharRNN(nn.Module):
    def __init__(self, vocab, hidden=256, layers=2, dropout=0.2):
        super().__init__()
        self.embed = nn.Embedding(vocab, 64)
        self.rnn = nn.GRU(64, hidden, layers, batch_first=True, dropout=dropout)
        self.decoder = nn.Linear(hidden, vocab)
        self.log_softmax = nn.LogSoftmax(dim=-1)

    def forward(self, x, h=None):
        out, h = self.rnn(self.embed(x), h)
        return self.log_softmax(self.decoder(out)), h


model = CharRNN(n_chars)
criterion = nn.NLLLoss()
optimizer = torch.optim.Adam(model.parameters(), lr=2e-3)


def evaluate(n_batches=20):
    model.eval()
    total = 0.0
    with torch.no_grad():
        for _ in range(n_batches):
            inp, tgt = random_batch(val_data)
            logp, _ = model(inp)
            total += criterion(logp.reshape(-1, n_chars), tgt.reshape(-1)).item()
    model.train()
    return total / n_batches


def generate(prime="the ", length=120, temperature=0.8):
    model.eval()
    with torch.no_grad():
        inp = to_tensor(prime).unsqueeze(0)
        logp, h = model(inp)
        out = prime
        for _ in range(length):
            probs = (logp[0, -1] / temperature).exp()
            idx = torch.multinomial(probs, 1).item()
            out += all_chars[idx]
            logp, h = model(torch.tensor([[idx]]), h)
    model.train()
    return out


n_iters = 3000
print_every = 250
start = time.time()
loss_avg = 0.0
model.train()
for it in range(1, n_iters + 1):
    inp, tgt = random_batch(train_data)
    optimizer.zero_grad()
    logp, _ = model(inp)
    loss = criterion(logp.reshape(-1, n_chars), tgt.reshape(-1))
    loss.backward()
    nn.utils.clip_grad_norm_(model.parameters(), 5.0)
    optimizer.step()
    loss_avg += loss.item()
    if it % print_every == 0:
        val = evaluate()
        print(f"[{time.time() - start:.0f}s ({it} {it / n_iters * 100:.0f}%) "
              f"train {loss_avg / print_every:.4f} val {val:.4f} ppl {math.exp(val):.2f}]")
        print(generate(), "\n")
        loss_avg = 0.0

torch.save(model.state_dict(), "char_rnn.pt")
