# expect: TVL010
# style: minimal decoder-only LM training script, inline attention with SDPA and a hand-built causal mask
# bug: the causal mask is torch.triu(..., diagonal=1) (True above the diagonal = the future) and is passed as a boolean attn_mask to F.scaled_dot_product_attention, where True means "may attend", so each token attends only to future tokens
import math
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(1337)
block_size, vocab_size, n_embd, n_head, n_layer = 128, 512, 256, 8, 6
batch_size, max_iters, lr, eval_every = 32, 5000, 3e-4, 500
device = "cuda" if torch.cuda.is_available() else "cpu"

tokens = torch.randint(0, vocab_size, (500_000,))
split = int(0.95 * len(tokens))
train_tokens, val_tokens = tokens[:split], tokens[split:]


def batch(src):
    ix = torch.randint(len(src) - block_size - 1, (batch_size,))
    x = torch.stack([src[i:i + block_size] for i in ix])
    y = torch.stack([src[i + 1:i + 1 + block_size] for i in ix])
    return x.to(device), y.to(device)


class Layer(nn.Module):
    def __init__(self):
        super().__init__()
        self.ln1 = nn.LayerNorm(n_embd)
        self.qkv = nn.Linear(n_embd, 3 * n_embd, bias=False)
        self.proj = nn.Linear(n_embd, n_embd, bias=False)
        self.ln2 = nn.LayerNorm(n_embd)
        self.mlp = nn.Sequential(nn.Linear(n_embd, 4 * n_embd), nn.GELU(), nn.Linear(4 * n_embd, n_embd))

    def forward(self, x, mask):
        B, T, C = x.shape
        q, k, v = self.qkv(self.ln1(x)).split(C, dim=2)
        q, k, v = (t.view(B, T, n_head, C // n_head).transpose(1, 2) for t in (q, k, v))
        y = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
        x = x + self.proj(y.transpose(1, 2).contiguous().view(B, T, C))
        return x + self.mlp(self.ln2(x))


class LM(nn.Module):
    def __init__(self):
        super().__init__()
        self.wte = nn.Embedding(vocab_size, n_embd)
        self.wpe = nn.Embedding(block_size, n_embd)
        self.layers = nn.ModuleList([Layer() for _ in range(n_layer)])
        self.ln_f = nn.LayerNorm(n_embd)
        self.lm_head = nn.Linear(n_embd, vocab_size, bias=False)
        self.wte.weight = self.lm_head.weight

    def forward(self, idx):
        T = idx.size(1)
        mask = torch.triu(torch.ones(T, T, dtype=torch.bool, device=idx.device), diagonal=1)
        x = self.wte(idx) + self.wpe(torch.arange(T, device=idx.device))
        for layer in self.layers:
            x = layer(x, mask)
        return self.lm_head(self.ln_f(x))


model = LM().to(device)
print(f"{sum(p.numel() for p in model.parameters()) / 1e6:.2f}M parameters")
optimizer = torch.optim.AdamW(model.parameters(), lr=lr, betas=(0.9, 0.95), weight_decay=0.1)

t0 = time.time()
for it in range(max_iters):
    if it % eval_every == 0 or it == max_iters - 1:
        model.eval()
        with torch.no_grad():
            losses = []
            for _ in range(20):
                xb, yb = batch(val_tokens)
                logits = model(xb)
                losses.append(F.cross_entropy(logits.view(-1, vocab_size), yb.view(-1)).item())
        vl = sum(losses) / len(losses)
        print(f"step {it}: val loss {vl:.4f} ppl {math.exp(vl):.1f} ({time.time() - t0:.0f}s)")
        model.train()

    xb, yb = batch(train_tokens)
    logits = model(xb)
    loss = F.cross_entropy(logits.view(-1, vocab_size), yb.view(-1))
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    optimizer.step()

torch.save(model.state_dict(), "lm.pt")
