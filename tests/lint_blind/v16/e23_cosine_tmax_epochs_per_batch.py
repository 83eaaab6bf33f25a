# expect: TVL007
# style: dataclass config + accelerate-like loop, GPT-style character LM (nanoGPT flavour)
# bug: CosineAnnealingLR is built with T_max=cfg.max_epochs but stepped after every batch, so the cosine completes in a handful of iterations and then oscillates
import math
import os
from dataclasses import dataclass, field

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset


@dataclass
class Config:
    block_size: int = 128
    n_layer: int = 4
    n_head: int = 4
    n_embd: int = 256
    vocab_size: int = 96
    batch_size: int = 32
    lr: float = 6e-4
    min_lr: float = 6e-5
    max_epochs: int = 20
    grad_clip: float = 1.0
    out_dir: str = "out-char"
    betas: tuple = field(default=(0.9, 0.95))


class CharDataset(Dataset):
    def __init__(self, data, block_size):
        self.data, self.block = data, block_size

    def __len__(self):
        return len(self.data) - self.block - 1

    def __getitem__(self, i):
        chunk = self.data[i:i + self.block + 1]
        return chunk[:-1], chunk[1:]


class Block(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.ln1, self.ln2 = nn.LayerNorm(c.n_embd), nn.LayerNorm(c.n_embd)
        self.attn = nn.MultiheadAttention(c.n_embd, c.n_head, batch_first=True)
        self.mlp = nn.Sequential(nn.Linear(c.n_embd, 4 * c.n_embd), nn.GELU(), nn.Linear(4 * c.n_embd, c.n_embd))

    def forward(self, x, causal):
        h = self.ln1(x)
        x = x + self.attn(h, h, h, attn_mask=causal, need_weights=False)[0]
        return x + self.mlp(self.ln2(x))


class CharGPT(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.tok = nn.Embedding(c.vocab_size, c.n_embd)
        self.pos = nn.Embedding(c.block_size, c.n_embd)
        self.blocks = nn.ModuleList([Block(c) for _ in range(c.n_layer)])
        self.ln_f = nn.LayerNorm(c.n_embd)
        self.lm_head = nn.Linear(c.n_embd, c.vocab_size, bias=False)

    def forward(self, idx, targets=None):
        T = idx.size(1)
        causal = torch.triu(torch.ones(T, T, dtype=torch.bool, device=idx.device), 1)
        x = self.tok(idx) + self.pos(torch.arange(T, device=idx.device))
        for b in self.blocks:
            x = b(x, causal)
        logits = self.lm_head(self.ln_f(x))
        loss = None if targets is None else F.cross_entropy(logits.view(-1, logits.size(-1)), targets.view(-1))
        return logits, loss


def configure_optimizers(model, c):
    decay = [p for p in model.parameters() if p.dim() >= 2]
    nodecay = [p for p in model.parameters() if p.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.1}, {"params": nodecay, "weight_decay": 0.0}],
                            lr=c.lr, betas=c.betas)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=c.max_epochs, eta_min=c.min_lr)
    return opt, sched


def main():
    c = Config()
    os.makedirs(c.out_dir, exist_ok=True)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    data = torch.randint(0, c.vocab_size, (200_000,))
    loader = DataLoader(CharDataset(data, c.block_size), batch_size=c.batch_size, shuffle=True, drop_last=True)
    model = CharGPT(c).to(device)
    optimizer, scheduler = configure_optimizers(model, c)
    it = 0
    for epoch in range(c.max_epochs):
        model.train()
        for x, y in loader:
            x, y = x.to(device), y.to(device)
            _, loss = model(x, y)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), c.grad_clip)
            optimizer.step()
            scheduler.step()
            if it % 200 == 0:
                print(f"iter {it} loss {loss.item():.4f} ppl {math.exp(loss.item()):.1f} lr {scheduler.get_last_lr()[0]:.2e}")
            it += 1
        torch.save({"model": model.state_dict(), "config": c.__dict__}, os.path.join(c.out_dir, "ckpt.pt"))


if __name__ == "__main__":
    main()
