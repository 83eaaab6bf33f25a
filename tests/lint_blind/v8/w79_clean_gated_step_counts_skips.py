# expect: clean
# style: Trainer with loss-spike protection for a GPT-style LM, skip counter logged and exported with metrics
# note: optimizer.step() is skipped when the gradient norm is non-finite or spikes (looks like TVL011), but every skip increments self.skipped_steps, is logged with a warning and is reported in the epoch metrics
import argparse
import json
import logging
import math

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

logger = logging.getLogger("lm")
logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")


class TinyGPT(nn.Module):
    def __init__(self, vocab=8192, d=256, layers=4, heads=4, ctx=128):
        super().__init__()
        self.tok = nn.Embedding(vocab, d)
        self.pos = nn.Embedding(ctx, d)
        layer = nn.TransformerEncoderLayer(d, heads, 4 * d, 0.1, batch_first=True, norm_first=True)
        self.blocks = nn.TransformerEncoder(layer, layers)
        self.ln = nn.LayerNorm(d)
        self.head = nn.Linear(d, vocab, bias=False)

    def forward(self, idx):
        T = idx.size(1)
        x = self.tok(idx) + self.pos(torch.arange(T, device=idx.device))
        causal = nn.Transformer.generate_square_subsequent_mask(T, device=idx.device)
        return self.head(self.ln(self.blocks(x, mask=causal, is_causal=True)))


class Trainer:
    def __init__(self, model, lr, clip, spike_factor, device):
        self.model = model.to(device)
        self.device = device
        self.clip = clip
        self.spike_factor = spike_factor
        self.opt = torch.optim.AdamW(model.parameters(), lr=lr, betas=(0.9, 0.95), weight_decay=0.1)
        self.skipped_steps = 0
        self.ema_norm = None

    def _should_skip(self, gnorm):
        if not math.isfinite(gnorm):
            return True
        return self.ema_norm is not None and gnorm > self.spike_factor * self.ema_norm

    def train_step(self, batch, step):
        x = batch.to(self.device)
        logits = self.model(x[:, :-1])
        loss = F.cross_entropy(logits.reshape(-1, logits.size(-1)), x[:, 1:].reshape(-1))
        self.opt.zero_grad(set_to_none=True)
        loss.backward()
        gnorm = float(nn.utils.clip_grad_norm_(self.model.parameters(), self.clip))
        if self._should_skip(gnorm):
            self.skipped_steps += 1
            logger.warning("step %d: skipping update (grad norm %.3g, ema %.3g); %d skipped so far",
                           step, gnorm, self.ema_norm or float("nan"), self.skipped_steps)
        else:
            self.opt.step()
            self.ema_norm = gnorm if self.ema_norm is None else 0.98 * self.ema_norm + 0.02 * gnorm
        return loss.item(), gnorm


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--lr", type=float, default=6e-4)
    ap.add_argument("--clip", type=float, default=1.0)
    ap.add_argument("--spike-factor", type=float, default=6.0)
    ap.add_argument("--metrics", default="metrics.jsonl")
    args = ap.parse_args()
    device = "cuda" if torch.cuda.is_available() else "cpu"
    data = torch.randint(0, 8192, (8000, 129))
    loader = DataLoader(TensorDataset(data), batch_size=32, shuffle=True, drop_last=True)
    trainer = Trainer(TinyGPT(), args.lr, args.clip, args.spike_factor, device)
    step = 0
    with open(args.metrics, "w") as mf:
        for epoch in range(args.epochs):
            trainer.model.train()
            losses, norms = [], []
            skipped_before = trainer.skipped_steps
            for (batch,) in loader:
                loss, gnorm = trainer.train_step(batch, step)
                losses.append(loss)
                norms.append(gnorm)
                step += 1
            rec = {"epoch": epoch, "loss": sum(losses) / len(losses), "grad_norm": sum(norms) / len(norms),
                   "skipped_steps_epoch": trainer.skipped_steps - skipped_before,
                   "skipped_steps_total": trainer.skipped_steps}
            mf.write(json.dumps(rec) + "\n")
            logger.info("epoch %d %s", epoch, rec)
    torch.save(trainer.model.state_dict(), "tiny_gpt.pt")


if __name__ == "__main__":
    main()
