# expect: clean
# style: OpenNMT/fairseq-like trainer that skips updates with non-finite gradient norms and reports them
# note: a skipped step is counted in self.n_skipped, logged with the step number, and the run aborts if too many are skipped
import argparse
import logging
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

logger = logging.getLogger("trainer")


class Seq2SeqLite(nn.Module):
    def __init__(self, vocab=8000, dim=256):
        super().__init__()
        self.src_emb, self.tgt_emb = nn.Embedding(vocab, dim), nn.Embedding(vocab, dim)
        self.encoder = nn.GRU(dim, dim, batch_first=True)
        self.decoder = nn.GRU(dim, dim, batch_first=True)
        self.generator = nn.Linear(dim, vocab)

    def forward(self, src, tgt_in):
        _, h = self.encoder(self.src_emb(src))
        out, _ = self.decoder(self.tgt_emb(tgt_in), h)
        return self.generator(out)


class Trainer:
    def __init__(self, model, lr, clip_norm, max_skips=50):
        self.model = model
        self.optim = torch.optim.Adam(model.parameters(), lr=lr)
        self.clip_norm, self.max_skips = clip_norm, max_skips
        self.n_skipped = 0
        self.num_updates = 0

    def train_step(self, src, tgt):
        self.model.train()
        self.optim.zero_grad()
        logits = self.model(src, tgt[:, :-1])
        loss = F.cross_entropy(logits.flatten(0, 1), tgt[:, 1:].flatten(), label_smoothing=0.1)
        loss.backward()
        gnorm = nn.utils.clip_grad_norm_(self.model.parameters(), self.clip_norm).item()
        if not math.isfinite(gnorm):
            self.n_skipped += 1
            logger.warning("non-finite grad norm at update %d; skipping (%d skipped so far)",
                           self.num_updates, self.n_skipped)
            if self.n_skipped > self.max_skips:
                raise FloatingPointError("too many skipped updates")
            return None
        self.optim.step()
        self.num_updates += 1
        return loss.item()


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    ap = argparse.ArgumentParser()
    ap.add_argument("--max-update", type=int, default=500)
    ap.add_argument("--clip-norm", type=float, default=1.0)
    args = ap.parse_args()
    trainer = Trainer(Seq2SeqLite(), 5e-4, args.clip_norm)
    while trainer.num_updates < args.max_update:
        loss = trainer.train_step(torch.randint(0, 8000, (32, 40)), torch.randint(0, 8000, (32, 42)))
        if loss is not None and trainer.num_updates % 100 == 0:
            logger.info("update %d loss %.3f skipped %d", trainer.num_updates, loss, trainer.n_skipped)
