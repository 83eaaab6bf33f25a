# expect: clean
# style: fairseq-style trainer (skip the update on inf/nan grad norm, but count and log every skipped step)
# note: the gate skips optimizer.step() on non-finite norms AND increments self.num_skipped, logged each interval
import argparse
import logging
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

logger = logging.getLogger("fairseq.trainer")


class Trainer:
    def __init__(self, args, model):
        self.args = args
        self.model = model
        self.optimizer = torch.optim.Adam(model.parameters(), lr=args.lr, betas=(0.9, 0.98), eps=1e-8)
        self.num_updates = 0
        self.num_skipped = 0

    def train_step(self, src, tgt):
        self.model.train()
        self.optimizer.zero_grad()
        logits = self.model(src)
        loss = F.cross_entropy(logits.view(-1, logits.size(-1)), tgt.view(-1))
        loss.backward()
        grad_norm = nn.utils.clip_grad_norm_(self.model.parameters(), self.args.clip_norm)
        if not math.isfinite(grad_norm.item()):
            self.num_skipped += 1
            logger.warning("non-finite grad norm %s, skipping update (%d skipped so far)", grad_norm, self.num_skipped)
            self.optimizer.zero_grad()
            return {"loss": loss.item(), "gnorm": float("nan"), "skipped": True}
        self.optimizer.step()
        self.num_updates += 1
        return {"loss": loss.item(), "gnorm": grad_norm.item(), "skipped": False}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--lr", type=float, default=5e-4)
    parser.add_argument("--clip-norm", type=float, default=1.0)
    parser.add_argument("--max-update", type=int, default=500)
    parser.add_argument("--log-interval", type=int, default=50)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO)
    model = nn.Sequential(nn.Embedding(800, 128), nn.Linear(128, 256), nn.ReLU(), nn.Linear(256, 800))
    trainer = Trainer(args, model)
    for i in range(1, args.max_update + 1):
        tokens = torch.randint(0, 800, (16, 33))
        out = trainer.train_step(tokens[:, :-1], tokens[:, 1:])
        if i % args.log_interval == 0:
            logger.info("update %d | loss %.3f | gnorm %.3f | num_updates %d | skipped %d", i, out["loss"],
                        out["gnorm"], trainer.num_updates, trainer.num_skipped)


if __name__ == "__main__":
    main()
