# expect: TVL016
# style: research repo for a small GPT with AMP, a clip_gradients() helper and an optimizer_step() wrapper
# bug: train_step calls clip_gradients(model, max_norm) right after the scaled backward, and optimizer_step() only unscales afterwards, so clipping acts on scaled gradients
import argparse
import logging
import math

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

log = logging.getLogger("gpt")


class TokenStream(Dataset):
    def __init__(self, n_tokens=500000, block=128, vocab=8192, seed=0):
        g = torch.Generator().manual_seed(seed)
        self.data = torch.randint(0, vocab, (n_tokens,), generator=g)
        self.block = block

    def __len__(self):
        return (len(self.data) - 1) // self.block

    def __getitem__(self, i):
        chunk = self.data[i * self.block: (i + 1) * self.block + 1]
        return chunk[:-1], chunk[1:]


class MiniGPT(nn.Module):
    def __init__(self, vocab=8192, dim=384, layers=6, heads=6, block=128):
        super().__init__()
        self.tok = nn.Embedding(vocab, dim)
        self.pos = nn.Embedding(block, dim)
        layer = nn.TransformerEncoderLayer(dim, heads, 4 * dim, dropout=0.1, batch_first=True, norm_first=True,
                                           activation="gelu")
        self.blocks = nn.TransformerEncoder(layer, layers)
        self.ln_f = nn.LayerNorm(dim)
        self.lm_head = nn.Linear(dim, vocab, bias=False)
        self.register_buffer("causal", torch.triu(torch.full((block, block), float("-inf")), 1))

    def forward(self, idx):
        T = idx.size(1)
        x = self.tok(idx) + self.pos(torch.arange(T, device=idx.device))
        x = self.blocks(x, mask=self.causal[:T, :T], is_causal=True)
        return self.lm_head(self.ln_f(x))


def clip_gradients(model, max_norm):
    return torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)


def optimizer_step(optimizer, scaler):
    scaler.unscale_(optimizer)
    scaler.step(optimizer)
    scaler.update()
    optimizer.zero_grad(set_to_none=True)


def train_step(model, batch, optimizer, scaler, args, device):
    x, y = (t.to(device) for t in batch)
    with torch.autocast(device_type=device.type, dtype=torch.float16, enabled=device.type == "cuda"):
        logits = model(x)
        loss = F.cross_entropy(logits.view(-1, logits.size(-1)), y.view(-1))
    scaler.scale(loss).backward()
    gnorm = clip_gradients(model, args.grad_clip)
    optimizer_step(optimizer, scaler)
    return loss.item(), float(gnorm)


def lr_at(it, args):
    if it < args.warmup:
        return args.lr * (it + 1) / args.warmup
    p = (it - args.warmup) / max(1, args.max_iters - args.warmup)
    return args.min_lr + 0.5 * (args.lr - args.min_lr) * (1 + math.cos(math.pi * min(p, 1.0)))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lr", type=float, default=6e-4)
    ap.add_argument("--min-lr", type=float, default=6e-5)
    ap.add_argument("--warmup", type=int, default=200)
    ap.add_argument("--max-iters", type=int, default=3000)
    ap.add_argument("--grad-clip", type=float, default=1.0)
    ap.add_argument("--bs", type=int, default=32)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    dev = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    model = MiniGPT().to(dev)
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, betas=(0.9, 0.95), weight_decay=0.1)
    scaler = torch.cuda.amp.GradScaler(enabled=dev.type == "cuda")
    loader = DataLoader(TokenStream(), batch_size=args.bs, shuffle=True, drop_last=True)
    it = 0
    model.train()
    while it < args.max_iters:
        for batch in loader:
            for g in opt.param_groups:
                g["lr"] = lr_at(it, args)
            loss, gn = train_step(model, batch, opt, scaler, args, dev)
            if it % 100 == 0:
                log.info("iter %d loss %.4f gnorm %.2f lr %.2e", it, loss, gn, opt.param_groups[0]["lr"])
            it += 1
            if it >= args.max_iters:
                break
    torch.save(model.state_dict(), "minigpt.pt")


if __name__ == "__main__":
    main()
