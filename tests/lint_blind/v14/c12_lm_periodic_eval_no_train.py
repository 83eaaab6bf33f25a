# expect: TVL004
# style: nanoGPT-like character LM training loop with periodic eval
# bug: the eval block inside the iteration loop calls model.eval() and never restores model.train(), so dropout is off for the rest of training
import math
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

# ---- config ----
batch_size = 32
block_size = 128
n_embd, n_head, n_layer = 192, 6, 4
dropout = 0.2
max_iters = 3000
eval_interval = 250
eval_iters = 50
learning_rate = 6e-4
warmup = 100
device = "cuda" if torch.cuda.is_available() else "cpu"
torch.manual_seed(1337)

text = "".join(chr(97 + (i * 7 + i // 13) % 26) for i in range(200_000))
chars = sorted(set(text))
stoi = {c: i for i, c in enumerate(chars)}
data = torch.tensor([stoi[c] for c in text], dtype=torch.long)
n = int(0.9 * len(data))
train_data, val_data = data[:n], data[n:]


def get_batch(split):
    d = train_data if split == "train" else val_data
    ix = torch.randint(len(d) - block_size, (batch_size,))
    x = torch.stack([d[i:i + block_size] for i in ix])
    y = torch.stack([d[i + 1:i + 1 + block_size] for i in ix])
    return x.to(device), y.to(device)


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.ln1 = nn.LayerNorm(n_embd)
        self.attn = nn.MultiheadAttention(n_embd, n_head, dropout=dropout, batch_first=True)
        self.ln2 = nn.LayerNorm(n_embd)
        self.mlp = nn.Sequential(nn.Linear(n_embd, 4 * n_embd), nn.GELU(), nn.Linear(4 * n_embd, n_embd), nn.Dropout(dropout))

    def forward(self, x, causal):
        h = self.ln1(x)
        x = x + self.attn(h, h, h, attn_mask=causal, need_weights=False)[0]
        return x + self.mlp(self.ln2(x))


class CharGPT(nn.Module):
    def __init__(self, vocab):
        super().__init__()
        self.tok = nn.Embedding(vocab, n_embd)
        self.pos = nn.Embedding(block_size, n_embd)
        self.drop = nn.Dropout(dropout)
        self.blocks = nn.ModuleList([Block() for _ in range(n_layer)])
        self.ln_f = nn.LayerNorm(n_embd)
        self.head = nn.Linear(n_embd, vocab, bias=False)

    def forward(self, idx, targets=None):
        T = idx.size(1)
        causal = torch.triu(torch.ones(T, T, dtype=torch.bool, device=idx.device), 1)
        x = self.drop(self.tok(idx) + self.pos(torch.arange(T, device=idx.device)))
        for b in self.blocks:
            x = b(x, causal)
        logits = self.head(self.ln_f(x))
        loss = None if targets is None else F.cross_entropy(logits.view(-1, logits.size(-1)), targets.view(-1))
        return logits, loss


def lr_at(it):
    if it < warmup:
        return learning_rate * (it + 1) / warmup
    progress = (it - warmup) / (max_iters - warmup)
    return 0.1 * learning_rate + 0.9 * learning_rate * 0.5 * (1 + math.cos(math.pi * progress))


model = CharGPT(len(chars)).to(device)
optimizer = torch.optim.AdamW(model.parameters(), lr=learning_rate, betas=(0.9, 0.95), weight_decay=0.1)
print(f"{sum(p.numel() for p in model.parameters()) / 1e6:.2f}M params")

model.train()
t0 = time.time()
for it in range(max_iters):
    for g in optimizer.param_groups:
        g["lr"] = lr_at(it)

    if it % eval_interval == 0 or it == max_iters - 1:
        model.eval()
        out = {}
        with torch.no_grad():
            for split in ("train", "val"):
                losses = torch.zeros(eval_iters)
                for k in range(eval_iters):
                    _, l = model(*get_batch(split))
                    losses[k] = l.item()
                out[split] = losses.mean().item()
        print(f"iter {it}: train {out['train']:.4f} val {out['val']:.4f} ({time.time() - t0:.0f}s)")

    xb, yb = get_batch("train")
    _, loss = model(xb, yb)
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    optimizer.step()

torch.save(model.state_dict(), "chargpt.pt")
