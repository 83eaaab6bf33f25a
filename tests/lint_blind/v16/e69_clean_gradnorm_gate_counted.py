# expect: clean
# style: RL-from-preferences reward-model trainer with a spike guard that counts and logs skipped steps
# note: the optimizer step is skipped when the gradient norm is non-finite or spikes, but every skip is counted, logged and reported in the epoch summary, and the run aborts if too many are skipped
import argparse
import logging
import math

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

log = logging.getLogger("rm")


class RewardModel(nn.Module):
    def __init__(self, vocab=32000, d=256):
        super().__init__()
        self.emb = nn.Embedding(vocab, d)
        layer = nn.TransformerEncoderLayer(d, 4, 4 * d, batch_first=True)
        self.enc = nn.TransformerEncoder(layer, 2)
        self.v = nn.Linear(d, 1)

    def forward(self, ids):
        return self.v(self.enc(self.emb(ids))[:, -1]).squeeze(-1)


class SpikeGuard:
    def __init__(self, threshold, max_skip_frac=0.05):
        self.threshold, self.max_skip_frac = threshold, max_skip_frac
        self.skipped = 0
        self.seen = 0

    def check(self, grad_norm, step):
        self.seen += 1
        if not math.isfinite(grad_norm) or grad_norm > self.threshold:
            self.skipped += 1
            log.warning("step %d: skipping update, grad_norm=%.3g (skipped %d/%d)", step, grad_norm,
                        self.skipped, self.seen)
            if self.seen > 100 and self.skipped / self.seen > self.max_skip_frac:
                raise RuntimeError("too many skipped updates; lower the LR")
            return False
        return True


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--lr", type=float, default=1e-5)
    ap.add_argument("--spike", type=float, default=100.0)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    chosen = torch.randint(0, 32000, (8000, 64))
    rejected = torch.randint(0, 32000, (8000, 64))
    loader = DataLoader(TensorDataset(chosen, rejected), batch_size=16, shuffle=True)
    model = RewardModel()
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr)
    guard = SpikeGuard(args.spike)
    step = 0
    for epoch in range(args.epochs):
        model.train()
        acc_sum = loss_sum = 0.0
        for c, r in loader:
            rc, rr = model(c), model(r)
            loss = -F.logsigmoid(rc - rr).mean()
            opt.zero_grad()
            loss.backward()
            gn = nn.utils.clip_grad_norm_(model.parameters(), 1.0).item()
            if guard.check(gn, step):
                opt.step()
            step += 1
            loss_sum += loss.item()
            acc_sum += (rc > rr).float().mean().item()
        log.info("epoch %d loss %.4f pref_acc %.4f skipped_updates %d", epoch, loss_sum / len(loader),
                 acc_sum / len(loader), guard.skipped)
    torch.save(model.state_dict(), "reward_model.pt")


if __name__ == "__main__":
    main()
