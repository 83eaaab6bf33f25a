# expect: TVL011
# style: Trainer with utility module, LSTM language model with "spike protection" helper
# bug: grad_is_healthy() returns False when the total gradient norm exceeds a spike threshold and Trainer.step() then silently skips optimizer.step() with no counter, warning or metric
import argparse
import math

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset


# ---- utils -----------------------------------------------------------
def total_grad_norm(parameters, norm_type=2.0):
    grads = [p.grad.detach() for p in parameters if p.grad is not None]
    if not grads:
        return torch.tensor(0.0)
    return torch.norm(torch.stack([torch.norm(g, norm_type) for g in grads]), norm_type)


def grad_is_healthy(model, spike_threshold):
    norm = total_grad_norm(model.parameters())
    return bool(torch.isfinite(norm)) and norm.item() < spike_threshold


# ---- data / model ----------------------------------------------------
class TokenStream(Dataset):
    def __init__(self, n_tokens, vocab, bptt, seed=0):
        g = torch.Generator().manual_seed(seed)
        self.data = torch.randint(0, vocab, (n_tokens,), generator=g)
        self.bptt = bptt

    def __len__(self):
        return (len(self.data) - 1) // self.bptt

    def __getitem__(self, i):
        s = i * self.bptt
        return self.data[s:s + self.bptt], self.data[s + 1:s + 1 + self.bptt]


class LSTMLM(nn.Module):
    def __init__(self, vocab, d=400, hidden=1150, layers=3, dropout=0.3):
        super().__init__()
        self.emb = nn.Embedding(vocab, d)
        self.rnn = nn.LSTM(d, hidden, layers, batch_first=True, dropout=dropout)
        self.proj = nn.Linear(hidden, d)
        self.drop = nn.Dropout(dropout)
        self.decoder = nn.Linear(d, vocab)
        self.decoder.weight = self.emb.weight  # tied

    def forward(self, x):
        h, _ = self.rnn(self.drop(self.emb(x)))
        return self.decoder(self.drop(self.proj(h)))


class Trainer:
    def __init__(self, model, args, device):
        self.model = model.to(device)
        self.args = args
        self.device = device
        self.opt = torch.optim.SGD(model.parameters(), lr=args.lr, weight_decay=1.2e-6)

    def step(self, x, y):
        self.opt.zero_grad()
        logits = self.model(x)
        loss = F.cross_entropy(logits.view(-1, logits.size(-1)), y.view(-1))
        loss.backward()
        healthy = grad_is_healthy(self.model, self.args.spike_threshold)
        torch.nn.utils.clip_grad_norm_(self.model.parameters(), self.args.clip)
        if healthy:
            self.opt.step()
        return loss.item()

    def train_epoch(self, loader, epoch):
        self.model.train()
        tot = 0.0
        for i, (x, y) in enumerate(loader):
            tot += self.step(x.to(self.device), y.to(self.device))
            if i % self.args.log_interval == 0 and i:
                cur = tot / (i + 1)
                print(f"| epoch {epoch} | {i}/{len(loader)} batches | loss {cur:.2f} | ppl {math.exp(cur):.1f}")
        return tot / len(loader)

    @torch.no_grad()
    def evaluate(self, loader):
        self.model.eval()
        tot, n = 0.0, 0
        for x, y in loader:
            logits = self.model(x.to(self.device))
            tot += F.cross_entropy(logits.view(-1, logits.size(-1)), y.to(self.device).view(-1), reduction="sum").item()
            n += y.numel()
        return tot / n


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--vocab", type=int, default=10000)
    ap.add_argument("--bptt", type=int, default=70)
    ap.add_argument("--lr", type=float, default=30.0)
    ap.add_argument("--clip", type=float, default=0.25)
    ap.add_argument("--spike-threshold", type=float, default=20.0)
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--log-interval", type=int, default=200)
    args = ap.parse_args()
    device = "cuda" if torch.cuda.is_available() else "cpu"

    train_loader = DataLoader(TokenStream(900_000, args.vocab, args.bptt), batch_size=20, shuffle=True, drop_last=True)
    valid_loader = DataLoader(TokenStream(70_000, args.vocab, args.bptt, seed=1), batch_size=10)
    trainer = Trainer(LSTMLM(args.vocab), args, device)
    best = float("inf")
    for epoch in range(1, args.epochs + 1):
        trainer.train_epoch(train_loader, epoch)
        val = trainer.evaluate(valid_loader)
        print(f"| end of epoch {epoch} | valid ppl {math.exp(val):.2f}")
        if val < best:
            best = val
            torch.save(trainer.model.state_dict(), "lstm_lm.pt")


if __name__ == "__main__":
    main()
