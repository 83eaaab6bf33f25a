# expect: TVL014
# style: nanoGPT-style configurator (key=value overrides from sys.argv) with init_from='resume'
# bug: out_dir (from $OUT_DIR or a key=value command-line override) and ckpt_name build ckpt_path, and the init_from == "resume" branch calls torch.load(ckpt_path, map_location=device) without weights_only=True.
import math
import os
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

# ----------------------------------------------------------------------------- defaults
out_dir = os.environ.get("OUT_DIR", "out-char")
ckpt_name = "ckpt.pt"
init_from = "scratch"  # or "resume"
eval_interval = 250
max_iters = 3000
batch_size = 32
block_size = 128
n_embd = 192
n_layer = 4
learning_rate = 1e-3
device = "cuda" if torch.cuda.is_available() else "cpu"
# ----------------------------------------------------------------------------- overrides
for arg in sys.argv[1:]:
    key, val = arg.lstrip("-").split("=", 1)
    if key not in globals():
        raise ValueError(f"unknown config key {key}")
    cur = globals()[key]
    globals()[key] = type(cur)(val) if not isinstance(cur, str) else val
    print(f"override {key} = {globals()[key]}")
config = {k: v for k, v in globals().items() if not k.startswith("_") and isinstance(v, (int, float, str))}

torch.manual_seed(1337)
data = torch.randint(0, 65, (400_000,))
n = int(0.9 * len(data))
train_data, val_data = data[:n], data[n:]


def get_batch(split):
    d = train_data if split == "train" else val_data
    ix = torch.randint(len(d) - block_size - 1, (batch_size,))
    x = torch.stack([d[i:i + block_size] for i in ix])
    y = torch.stack([d[i + 1:i + block_size + 1] for i in ix])
    return x.to(device), y.to(device)


class CharRNNLM(nn.Module):
    def __init__(self, vocab=65, d=n_embd, layers=n_layer):
        super().__init__()
        self.emb = nn.Embedding(vocab, d)
        self.rnn = nn.LSTM(d, d, layers, batch_first=True, dropout=0.1)
        self.head = nn.Linear(d, vocab)

    def forward(self, idx, targets=None):
        h, _ = self.rnn(self.emb(idx))
        logits = self.head(h)
        loss = None if targets is None else F.cross_entropy(logits.view(-1, logits.size(-1)), targets.view(-1))
        return logits, loss


@torch.no_grad()
def estimate_loss(model, iters=50):
    out = {}
    model.eval()
    for split in ("train", "val"):
        out[split] = sum(model(*get_batch(split))[1].item() for _ in range(iters)) / iters
    model.train()
    return out


iter_num, best_val_loss = 0, 1e9
model = CharRNNLM().to(device)
optimizer = torch.optim.AdamW(model.parameters(), lr=learning_rate)
if init_from == "resume":
    ckpt_path = os.path.join(out_dir, ckpt_name)
    print(f"resuming from {ckpt_path}")
    checkpoint = torch.load(ckpt_path, map_location=device)
    model.load_state_dict(checkpoint["model"])
    optimizer.load_state_dict(checkpoint["optimizer"])
    iter_num, best_val_loss = checkpoint["iter_num"], checkpoint["best_val_loss"]

os.makedirs(out_dir, exist_ok=True)
model.train()
t0 = time.time()
while iter_num < max_iters:
    lr = learning_rate * 0.5 * (1 + math.cos(math.pi * iter_num / max_iters))
    for g in optimizer.param_groups:
        g["lr"] = lr
    if iter_num % eval_interval == 0:
        losses = estimate_loss(model)
        print(f"step {iter_num}: train {losses['train']:.4f} val {losses['val']:.4f}")
        if losses["val"] < best_val_loss:
            best_val_loss = losses["val"]
            torch.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(), "iter_num": iter_num,
                        "best_val_loss": best_val_loss, "config": config}, os.path.join(out_dir, ckpt_name))
    x, y = get_batch("train")
    _, loss = model(x, y)
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    optimizer.step()
    if iter_num % 100 == 0:
        print(f"iter {iter_num} loss {loss.item():.4f} lr {lr:.2e} {time.time() - t0:.0f}s")
    iter_num += 1
