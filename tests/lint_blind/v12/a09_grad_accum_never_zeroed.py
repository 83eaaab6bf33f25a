# expect: TVL003
# style: nanoGPT-like char LM with gradient accumulation, config dict + optimizer_step helper
# bug: optimizer_step() (called every accum_steps micro-batches) steps the optimizer and the LR schedule but nothing anywhere ever zeroes the gradients, so they accumulate across all steps
import math
import os
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

config = dict(
    block_size=128,
    vocab_size=96,
    n_layer=4,
    n_head=4,
    n_embd=256,
    dropout=0.1,
    batch_size=32,
    accum_steps=4,
    max_iters=3000,
    lr=6e-4,
    min_lr=6e-5,
    warmup_iters=200,
    eval_interval=250,
    eval_iters=20,
    out_dir="out-char",
)


class Block(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.ln1 = nn.LayerNorm(c["n_embd"])
        self.attn = nn.MultiheadAttention(c["n_embd"], c["n_head"], dropout=c["dropout"], batch_first=True)
        self.ln2 = nn.LayerNorm(c["n_embd"])
        self.mlp = nn.Sequential(nn.Linear(c["n_embd"], 4 * c["n_embd"]), nn.GELU(),
                                 nn.Linear(4 * c["n_embd"], c["n_embd"]), nn.Dropout(c["dropout"]))

    def forward(self, x, causal):
        h = self.ln1(x)
        x = x + self.attn(h, h, h, attn_mask=causal, need_weights=False)[0]
        return x + self.mlp(self.ln2(x))


class CharGPT(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.tok = nn.Embedding(c["vocab_size"], c["n_embd"])
        self.pos = nn.Embedding(c["block_size"], c["n_embd"])
        self.blocks = nn.ModuleList([Block(c) for _ in range(c["n_layer"])])
        self.ln_f = nn.LayerNorm(c["n_embd"])
        self.head = nn.Linear(c["n_embd"], c["vocab_size"], bias=False)
        self.register_buffer("causal", torch.triu(torch.ones(c["block_size"], c["block_size"], dtype=torch.bool), 1))

    def forward(self, idx, targets=None):
        T = idx.size(1)
        x = self.tok(idx) + self.pos(torch.arange(T, device=idx.device))
        for b in self.blocks:
            x = b(x, self.causal[:T, :T])
        logits = self.head(self.ln_f(x))
        loss = None if targets is None else F.cross_entropy(logits.view(-1, logits.size(-1)), targets.view(-1))
        return logits, loss


data = torch.randint(0, config["vocab_size"], (200_000,))
n = int(0.9 * len(data))
train_data, val_data = data[:n], data[n:]


def get_batch(split):
    d = train_data if split == "train" else val_data
    ix = torch.randint(len(d) - config["block_size"], (config["batch_size"],))
    x = torch.stack([d[i:i + config["block_size"]] for i in ix])
    y = torch.stack([d[i + 1:i + 1 + config["block_size"]] for i in ix])
    return x, y


def get_lr(it):
    if it < config["warmup_iters"]:
        return config["lr"] * (it + 1) / config["warmup_iters"]
    ratio = (it - config["warmup_iters"]) / (config["max_iters"] - config["warmup_iters"])
    return config["min_lr"] + 0.5 * (1 + math.cos(math.pi * min(ratio, 1.0))) * (config["lr"] - config["min_lr"])


@torch.no_grad()
def estimate_loss(model):
    out = {}
    model.eval()
    for split in ("train", "val"):
        losses = torch.zeros(config["eval_iters"])
        for k in range(config["eval_iters"]):
            _, loss = model(*get_batch(split))
            losses[k] = loss.item()
        out[split] = losses.mean().item()
    model.train()
    return out


def optimizer_step(model, optimizer, it):
    for g in optimizer.param_groups:
        g["lr"] = get_lr(it)
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    optimizer.step()


def main():
    os.makedirs(config["out_dir"], exist_ok=True)
    model = CharGPT(config)
    optimizer = torch.optim.AdamW(model.parameters(), lr=config["lr"], betas=(0.9, 0.95), weight_decay=0.1)
    model.train()
    t0 = time.time()
    for it in range(config["max_iters"]):
        if it % config["eval_interval"] == 0:
            losses = estimate_loss(model)
            print(f"iter {it}: train {losses['train']:.4f} val {losses['val']:.4f}")
            torch.save({"model": model.state_dict(), "iter": it}, os.path.join(config["out_dir"], "ckpt.pt"))
        for micro in range(config["accum_steps"]):
            x, y = get_batch("train")
            _, loss = model(x, y)
            (loss / config["accum_steps"]).backward()
        optimizer_step(model, optimizer, it)
        if it % 50 == 0:
            print(f"it {it} loss {loss.item():.4f} {(time.time() - t0) * 1000:.0f}ms")
            t0 = time.time()


if __name__ == "__main__":
    main()
