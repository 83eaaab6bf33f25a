# expect: TVL003
# style: fairseq-style trainer (Trainer.train_step(sample) called from an epoch loop)
# bug: train_step() does backward()+step() but zero_grad() was dropped, and the caller never clears gradients either
import argparse
import logging

import torch
import torch.nn as nn
import torch.nn.functional as F

logger = logging.getLogger("fairseq_cli.train")


class TinyTransformerLM(nn.Module):
    def __init__(self, vocab, dim=128, layers=2):
        super().__init__()
        self.embed = nn.Embedding(vocab, dim)
        layer = nn.TransformerEncoderLayer(dim, 4, dim * 4, batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, layers)
        self.out = nn.Linear(dim, vocab)

    def forward(self, src_tokens):
        return self.out(self.encoder(self.embed(src_tokens)))


class Trainer:
    def __init__(self, cfg, model):
        self.cfg = cfg
        self.model = model
        self.optimizer = torch.optim.Adam(model.parameters(), lr=cfg.lr, betas=(0.9, 0.98))
        self._num_updates = 0

    def get_num_updates(self):
        return self._num_updates

    def train_step(self, sample):
        self.model.train()
        logits = self.model(sample["net_input"])
        loss = F.cross_entropy(logits.view(-1, logits.size(-1)), sample["target"].view(-1),
                               ignore_index=self.cfg.pad)
        loss.backward()
        grad_norm = nn.utils.clip_grad_norm_(self.model.parameters(), self.cfg.clip_norm)
        self.optimizer.step()
        self._num_updates += 1
        return {"loss": loss.item(), "gnorm": grad_norm.item()}


def make_batches(num, bsz, seq, vocab):
    for _ in range(num):
        toks = torch.randint(1, vocab, (bsz, seq + 1))
        yield {"net_input": toks[:, :-1], "target": toks[:, 1:]}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--lr", type=float, default=5e-4)
    parser.add_argument("--clip-norm", type=float, default=0.1)
    parser.add_argument("--max-epoch", type=int, default=3)
    parser.add_argument("--pad", type=int, default=0)
    parser.add_argument("--vocab", type=int, default=512)
    cfg = parser.parse_args()

    model = TinyTransformerLM(cfg.vocab)
    trainer = Trainer(cfg, model)
    for epoch in range(1, cfg.max_epoch + 1):
        for i, sample in enumerate(make_batches(100, 16, 64, cfg.vocab)):
            log_output = trainer.train_step(sample)
            if i % 20 == 0:
                logger.info("epoch %03d | update %d | loss %.3f | gnorm %.3f", epoch,
                            trainer.get_num_updates(), log_output["loss"], log_output["gnorm"])


if __name__ == "__main__":
    main()
