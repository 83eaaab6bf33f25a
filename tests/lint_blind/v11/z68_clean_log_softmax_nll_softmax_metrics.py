# expect: clean
# style: char-level RNN language model; model returns log-probabilities, softmax only used for sampling
# note: the model ends with log_softmax and is trained with NLLLoss (correct), and F.softmax appears only in the sampling/perplexity helpers
import math

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

TEXT = ("the quick brown fox jumps over the lazy dog " * 400).strip()
chars = sorted(set(TEXT))
stoi = {c: i for i, c in enumerate(chars)}
itos = {i: c for c, i in stoi.items()}
V = len(chars)


class CharRNN(nn.Module):
    def __init__(self, V, emb=32, hidden=128):
        super().__init__()
        self.emb = nn.Embedding(V, emb)
        self.rnn = nn.GRU(emb, hidden, batch_first=True)
        self.out = nn.Linear(hidden, V)

    def forward(self, ids, h=None):
        o, h = self.rnn(self.emb(ids), h)
        return F.log_softmax(self.out(o), dim=-1), h


@torch.no_grad()
def sample(model, prefix="the ", n=60, temperature=0.8):
    model.eval()
    ids = torch.tensor([[stoi[c] for c in prefix]])
    logp, h = model(ids)
    out = list(prefix)
    for _ in range(n):
        probs = F.softmax(logp[0, -1] / temperature, dim=-1)
        nxt = torch.multinomial(probs, 1)
        out.append(itos[nxt.item()])
        logp, h = model(nxt.view(1, 1), h)
    model.train()
    return "".join(out)


data = torch.tensor([stoi[c] for c in TEXT])
L = 64
seqs = data[: (len(data) - 1) // L * L + 1]
X = seqs[:-1].view(-1, L)
Y = seqs[1:].view(-1, L)
loader = DataLoader(TensorDataset(X, Y), batch_size=16, shuffle=True)

model = CharRNN(V)
criterion = nn.NLLLoss()
opt = torch.optim.Adam(model.parameters(), lr=3e-3)
for epoch in range(10):
    model.train()
    tot = 0.0
    for xb, yb in loader:
        logp, _ = model(xb)
        loss = criterion(logp.reshape(-1, V), yb.reshape(-1))
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        tot += loss.item()
    avg = tot / len(loader)
    print(f"epoch {epoch} nll {avg:.3f} ppl {math.exp(avg):.2f} | {sample(model)!r}")
