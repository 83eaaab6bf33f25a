# expect: TVL011
# style: char-level language model (nanoGPT-ish LSTM) single script with "spike protection"
# bug: the loop skips optimizer.step() whenever the gradient norm exceeds a threshold, with no counter or log of the skipped steps, so a run can silently stop updating.
import argparse
import math
import os
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

parser = argparse.ArgumentParser()
parser.add_argument("--block", type=int, default=128)
parser.add_argument("--batch", type=int, default=32)
parser.add_argument("--iters", type=int, default=3000)
parser.add_argument("--lr", type=float, default=2e-3)
parser.add_argument("--spike-threshold", type=float, default=5.0)
parser.add_argument("--eval-interval", type=int, default=250)
parser.add_argument("--out", default="out-charlm")
args = parser.parse_args()
os.makedirs(args.out, exist_ok=True)
torch.manual_seed(1337)

text = ("to be or not to be that is the question whether tis nobler in the mind to suffer "
        "the slings and arrows of outrageous fortune or to take arms against a sea of troubles ") * 200
chars = sorted(set(text))
stoi = {c: i for i, c in enumerate(chars)}
data = torch.tensor([stoi[c] for c in text], dtype=torch.long)
n = int(0.9 * len(data))
train_data, val_data = data[:n], data[n:]


def get_batch(split):
    d = train_data if split == "train" else val_data
    ix = torch.randint(len(d) - args.block - 1, (args.batch,))
    x = torch.stack([d[i:i + args.block] for i in ix])
    y = torch.stack([d[i + 1:i + 1 + args.block] for i in ix])
    return x, y


class CharLSTM(nn.Module):
    def __init__(self, vocab, emb=64, hidden=256, layers=2):
        super().__init__()
        self.emb = nn.Embedding(vocab, emb)
        self.rnn = nn.LSTM(emb, hidden, layers, batch_first=True, dropout=0.2)
        self.out = nn.Linear(hidden, vocab)

    def forward(self, idx):
        h, _ = self.rnn(self.emb(idx))
        return self.out(h)


@torch.no_grad()
def estimate_loss(model, iters=20):
    model.eval()
    out = {}
    for split in ("train", "val"):
        losses = torch.zeros(iters)
        for k in range(iters):
            x, y = get_batch(split)
            losses[k] = F.cross_entropy(model(x).view(-1, len(chars)), y.view(-1)).item()
        out[split] = losses.mean().item()
    model.train()
    return out


model = CharLSTM(len(chars))
optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr)
best_val = math.inf
t0 = time.time()
model.train()
for it in range(args.iters):
    if it % args.eval_interval == 0:
        losses = estimate_loss(model)
        print(f"iter {it}: train {losses['train']:.4f} val {losses['val']:.4f} ({time.time() - t0:.0f}s)")
        if losses["val"] < best_val:
            best_val = losses["val"]
            torch.save({"model": model.state_dict(), "iter": it, "chars": chars}, os.path.join(args.out, "ckpt.pt"))

    x, y = get_batch("train")
    logits = model(x)
    loss = F.cross_entropy(logits.view(-1, len(chars)), y.view(-1))
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), float("inf"))
    if grad_norm > args.spike_threshold:
        continue
    optimizer.step()

print("best val", best_val)
