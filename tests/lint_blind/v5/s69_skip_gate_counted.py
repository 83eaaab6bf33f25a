# expect: clean
# style: torchtitan/Megatron-like pretraining step with a non-finite / spike gradient guard that is counted and logged (wandb-style dict), causal MLP-Mixer LM
# note: skipped optimizer steps increment skipped_steps, are logged every iteration, and the run aborts if too many are skipped in a row
import argparse
import math
import torch
import torch.nn as nn
import torch.nn.functional as F


class MixerLM(nn.Module):
    def __init__(self, vocab=32000, d=384, T=128, L=6):
        super().__init__()
        self.emb = nn.Embedding(vocab, d)
        self.token_mix = nn.ModuleList(nn.Linear(T, T) for _ in range(L))
        self.chan_mix = nn.ModuleList(nn.Sequential(nn.LayerNorm(d), nn.Linear(d, 4 * d), nn.GELU(),
                                                    nn.Linear(4 * d, d)) for _ in range(L))
        self.register_buffer("causal", torch.ones(T, T).tril())
        self.out = nn.Linear(d, vocab)

    def forward(self, idx):
        x = self.emb(idx)
        for tm, cm in zip(self.token_mix, self.chan_mix):
            w = tm.weight * self.causal
            x = x + torch.einsum("ts,bsd->btd", w, x)
            x = x + cm(x)
        return self.out(x)


def log_metrics(metrics, step):
    print(" ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in metrics.items()), f"@{step}")


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=10000)
    ap.add_argument("--max_norm", type=float, default=1.0)
    ap.add_argument("--skip_norm", type=float, default=50.0)
    ap.add_argument("--max_consecutive_skips", type=int, default=20)
    args = ap.parse_args()
    model = MixerLM()
    opt = torch.optim.AdamW(model.parameters(), lr=3e-4, weight_decay=0.1)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min(1.0, (s + 1) / 500) * 0.5 * (1 + math.cos(math.pi * s / args.steps)))
    skipped_steps, consecutive = 0, 0
    for step in range(args.steps):
        batch = torch.randint(0, 32000, (8, 129))
        logits = model(batch[:, :-1])
        loss = F.cross_entropy(logits.flatten(0, 1), batch[:, 1:].flatten())
        opt.zero_grad(set_to_none=True)
        loss.backward()
        gnorm = torch.nn.utils.clip_grad_norm_(model.parameters(), args.max_norm)
        if not torch.isfinite(gnorm) or gnorm.item() > args.skip_norm:
            skipped_steps += 1
            consecutive += 1
            if consecutive > args.max_consecutive_skips:
                raise RuntimeError(f"{consecutive} consecutive skipped steps at step {step}")
        else:
            consecutive = 0
            opt.step()
            sched.step()
        log_metrics({"loss": loss.item(), "grad_norm": gnorm.item(), "skipped_steps": skipped_steps,
                     "lr": sched.get_last_lr()[0]}, step)
