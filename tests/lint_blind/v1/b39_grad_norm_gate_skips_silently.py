# expect: TVL011
# style: nanoGPT-style train.py (flat config globals, get_batch, spike guard added by a user)
# bug: if the grad norm exceeds a threshold the step is silently skipped (continue) and the skip is never counted/logged
import math
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

batch_size, block_size, vocab_size = 16, 64, 512
learning_rate, max_iters, grad_clip, spike_threshold = 6e-4, 2000, 1.0, 50.0
eval_interval, log_interval = 200, 20
data = torch.randint(0, vocab_size, (100_000,))


def get_batch():
    ix = torch.randint(len(data) - block_size, (batch_size,))
    x = torch.stack([data[i:i + block_size] for i in ix])
    y = torch.stack([data[i + 1:i + 1 + block_size] for i in ix])
    return x, y


class BigramMLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.tok = nn.Embedding(vocab_size, 128)
        self.mlp = nn.Sequential(nn.Linear(128, 512), nn.GELU(), nn.Linear(512, vocab_size))

    def forward(self, idx, targets):
        logits = self.mlp(self.tok(idx))
        return logits, F.cross_entropy(logits.view(-1, vocab_size), targets.view(-1))


model = BigramMLP()
optimizer = torch.optim.AdamW(model.parameters(), lr=learning_rate, betas=(0.9, 0.95), weight_decay=0.1)

t0 = time.time()
for iter_num in range(max_iters):
    lr = learning_rate * 0.5 * (1 + math.cos(math.pi * iter_num / max_iters))
    for param_group in optimizer.param_groups:
        param_group["lr"] = lr
    X, Y = get_batch()
    logits, loss = model(X, Y)
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), grad_clip)
    if grad_norm > spike_threshold:
        continue
    optimizer.step()

    if iter_num % log_interval == 0:
        dt = time.time() - t0
        t0 = time.time()
        print(f"iter {iter_num}: loss {loss.item():.4f}, time {dt * 1000:.2f}ms, lr {lr:.2e}")
    if iter_num % eval_interval == 0:
        model.eval()
        with torch.no_grad():
            losses = torch.stack([model(*get_batch())[1] for _ in range(20)])
        model.train()
        print(f"step {iter_num}: val loss {losses.mean().item():.4f}")
