# expect: TVL010
# style: nanoGPT-like character LM training script (get_batch, estimate_loss, eval_interval) with an explicit boolean causal mask
# bug: the causal mask is torch.triu(ones, diagonal=1) (True above the diagonal) passed as SDPA's boolean attn_mask, where True means "allowed", so each token attends only to the future
import argparse
import torch
import torch.nn as nn
import torch.nn.functional as F


class CausalSelfAttention(nn.Module):
    def __init__(self, n_embd, n_head, block_size):
        super().__init__()
        self.qkv = nn.Linear(n_embd, 3 * n_embd, bias=False)
        self.proj = nn.Linear(n_embd, n_embd, bias=False)
        self.n_head = n_head
        mask = torch.triu(torch.ones(block_size, block_size, dtype=torch.bool), diagonal=1)
        self.register_buffer("mask", mask, persistent=False)

    def forward(self, x):
        B, T, C = x.shape
        q, k, v = self.qkv(x).chunk(3, dim=-1)
        q, k, v = (t.reshape(B, T, self.n_head, -1).transpose(1, 2) for t in (q, k, v))
        y = F.scaled_dot_product_attention(q, k, v, attn_mask=self.mask[:T, :T])
        return self.proj(y.transpose(1, 2).reshape(B, T, C))


class GPT(nn.Module):
    def __init__(self, vocab_size, block_size, n_embd=128, n_head=4, n_layer=4):
        super().__init__()
        self.tok = nn.Embedding(vocab_size, n_embd)
        self.pos = nn.Embedding(block_size, n_embd)
        self.attn = nn.ModuleList([CausalSelfAttention(n_embd, n_head, block_size) for _ in range(n_layer)])
        self.ln = nn.ModuleList([nn.LayerNorm(n_embd) for _ in range(n_layer)])
        self.lm_head = nn.Linear(n_embd, vocab_size)

    def forward(self, idx, targets=None):
        x = self.tok(idx) + self.pos(torch.arange(idx.size(1), device=idx.device))
        for ln, attn in zip(self.ln, self.attn):
            x = x + attn(ln(x))
        logits = self.lm_head(x)
        loss = None if targets is None else F.cross_entropy(logits.view(-1, logits.size(-1)), targets.view(-1))
        return logits, loss


parser = argparse.ArgumentParser()
parser.add_argument("--block_size", type=int, default=64)
parser.add_argument("--batch_size", type=int, default=32)
parser.add_argument("--max_iters", type=int, default=3000)
parser.add_argument("--eval_interval", type=int, default=250)
args = parser.parse_args()

data = torch.randint(0, 65, (200_000,))
n = int(0.9 * len(data))
train_data, val_data = data[:n], data[n:]


def get_batch(split):
    d = train_data if split == "train" else val_data
    ix = torch.randint(len(d) - args.block_size, (args.batch_size,))
    return torch.stack([d[i:i + args.block_size] for i in ix]), torch.stack([d[i + 1:i + 1 + args.block_size] for i in ix])


@torch.no_grad()
def estimate_loss(model, eval_iters=50):
    out = {}
    model.eval()
    for split in ("train", "val"):
        out[split] = sum(model(*get_batch(split))[1].item() for _ in range(eval_iters)) / eval_iters
    model.train()
    return out


model = GPT(65, args.block_size)
optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
for it in range(args.max_iters):
    if it % args.eval_interval == 0:
        losses = estimate_loss(model)
        print(f"step {it}: train loss {losses['train']:.4f}, val loss {losses['val']:.4f}")
    xb, yb = get_batch("train")
    _, loss = model(xb, yb)
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    optimizer.step()
