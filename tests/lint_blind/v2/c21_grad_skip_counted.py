# expect: clean
# style: large-model research trainer (OPT/Megatron-like) that skips steps on loss/grad spikes and reports them
# note: step gated on the grad norm, but every skip increments `skipped_steps`, is logged, and aborts past a budget
import argparse
import math

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


class TinyDecoder(nn.Module):
    def __init__(self, vocab=3000, d=128, layers=2):
        super().__init__()
        self.emb = nn.Embedding(vocab, d)
        self.rnn = nn.LSTM(d, d, layers, batch_first=True)
        self.out = nn.Linear(d, vocab)

    def forward(self, ids):
        return self.out(self.rnn(self.emb(ids))[0])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--spike_threshold", type=float, default=20.0)
    ap.add_argument("--max_skips", type=int, default=50)
    args = ap.parse_args()
    model = TinyDecoder()
    optimizer = torch.optim.AdamW(model.parameters(), lr=6e-4, betas=(0.9, 0.95))
    loader = DataLoader(TensorDataset(torch.randint(0, 3000, (640, 33))), batch_size=32, shuffle=True)
    skipped_steps = 0
    step = 0
    for epoch in range(args.epochs):
        model.train()
        for (ids,) in loader:
            logits = model(ids[:, :-1])
            loss = F.cross_entropy(logits.reshape(-1, 3000), ids[:, 1:].reshape(-1))
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            gnorm = nn.utils.clip_grad_norm_(model.parameters(), 1.0).item()
            if not math.isfinite(gnorm) or gnorm > args.spike_threshold:
                skipped_steps += 1
                print(f"[warn] step {step}: grad norm {gnorm:.2f}, skipping update ({skipped_steps} skipped so far)")
                if skipped_steps > args.max_skips:
                    raise RuntimeError("too many skipped steps, check the data/LR")
                continue
            optimizer.step()
            step += 1
            if step % 10 == 0:
                print(f"epoch {epoch} step {step} loss {loss.item():.3f} gnorm {gnorm:.2f} skipped {skipped_steps}")


if __name__ == "__main__":
    main()
