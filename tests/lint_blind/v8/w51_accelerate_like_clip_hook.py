# expect: TVL016
# style: accelerate-like hand-written loop with a tiny Accelerator shim and gradient accumulation, GPT-style LM fine-tuning
# bug: MiniAccelerator.clip_grad_norm_ clips the (scaled) gradients directly and the shim's step() only calls scaler.unscale_ afterwards, so clipping happens before unscaling
import argparse
import math
from contextlib import nullcontext

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


class MiniAccelerator:
    """Just enough of accelerate's API for single-GPU fp16 runs."""

    def __init__(self, mixed_precision="fp16", gradient_accumulation_steps=1):
        self.device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
        self.fp16 = mixed_precision == "fp16" and self.device.type == "cuda"
        self.scaler = torch.cuda.amp.GradScaler(enabled=self.fp16)
        self.grad_accum = gradient_accumulation_steps
        self.step_count = 0

    def autocast(self):
        return torch.autocast("cuda", dtype=torch.float16) if self.fp16 else nullcontext()

    def backward(self, loss):
        self.scaler.scale(loss / self.grad_accum).backward()

    @property
    def sync_gradients(self):
        return (self.step_count + 1) % self.grad_accum == 0

    def clip_grad_norm_(self, parameters, max_norm):
        return torch.nn.utils.clip_grad_norm_(parameters, max_norm)

    def step(self, optimizer):
        self.scaler.unscale_(optimizer)
        self.scaler.step(optimizer)
        self.scaler.update()


class CausalLM(nn.Module):
    def __init__(self, vocab=16000, d=256, layers=4, heads=4, ctx=128):
        super().__init__()
        self.wte = nn.Embedding(vocab, d)
        self.wpe = nn.Embedding(ctx, d)
        block = nn.TransformerEncoderLayer(d, heads, 4 * d, 0.1, batch_first=True, norm_first=True, activation="gelu")
        self.blocks = nn.TransformerEncoder(block, layers)
        self.ln = nn.LayerNorm(d)
        self.lm_head = nn.Linear(d, vocab, bias=False)
        self.lm_head.weight = self.wte.weight
        self.register_buffer("causal", torch.triu(torch.full((ctx, ctx), float("-inf")), diagonal=1), persistent=False)

    def forward(self, idx):
        T = idx.size(1)
        x = self.wte(idx) + self.wpe(torch.arange(T, device=idx.device))
        x = self.blocks(x, mask=self.causal[:T, :T], is_causal=True)
        return self.lm_head(self.ln(x))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--per_device_batch_size", type=int, default=8)
    ap.add_argument("--gradient_accumulation_steps", type=int, default=4)
    ap.add_argument("--lr", type=float, default=3e-4)
    ap.add_argument("--max_grad_norm", type=float, default=1.0)
    args = ap.parse_args()

    accelerator = MiniAccelerator("fp16", args.gradient_accumulation_steps)
    device = accelerator.device
    data = torch.randint(0, 16000, (6000, 129))
    train_dl = DataLoader(TensorDataset(data[:5500]), batch_size=args.per_device_batch_size, shuffle=True)
    eval_dl = DataLoader(TensorDataset(data[5500:]), batch_size=32)

    model = CausalLM().to(device)
    decay = [p for n, p in model.named_parameters() if p.dim() >= 2]
    no_decay = [p for n, p in model.named_parameters() if p.dim() < 2]
    optimizer = torch.optim.AdamW([{"params": decay, "weight_decay": 0.1},
                                   {"params": no_decay, "weight_decay": 0.0}], lr=args.lr, betas=(0.9, 0.95))
    total = args.epochs * len(train_dl) // args.gradient_accumulation_steps
    lr_sched = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda s: min(1.0, (s + 1) / 100) * max(0.1, 1 - s / total))

    completed = 0
    for epoch in range(args.epochs):
        model.train()
        for (batch,) in train_dl:
            batch = batch.to(device)
            with accelerator.autocast():
                logits = model(batch[:, :-1])
                loss = F.cross_entropy(logits.reshape(-1, logits.size(-1)).float(), batch[:, 1:].reshape(-1))
            accelerator.backward(loss)
            if accelerator.sync_gradients:
                accelerator.clip_grad_norm_(model.parameters(), args.max_grad_norm)
                accelerator.step(optimizer)
                lr_sched.step()
                optimizer.zero_grad(set_to_none=True)
                completed += 1
                if completed % 50 == 0:
                    print(f"step {completed} loss {loss.item():.4f} lr {lr_sched.get_last_lr()[0]:.2e}")
            accelerator.step_count += 1
        model.eval()
        losses = []
        with torch.no_grad():
            for (batch,) in eval_dl:
                batch = batch.to(device)
                with accelerator.autocast():
                    lg = model(batch[:, :-1])
                losses.append(F.cross_entropy(lg.reshape(-1, lg.size(-1)).float(), batch[:, 1:].reshape(-1)).item())
        print(f"epoch {epoch}: eval ppl {math.exp(sum(losses) / len(losses)):.2f}")
    torch.save(model.state_dict(), "causal_lm.pt")


if __name__ == "__main__":
    main()
