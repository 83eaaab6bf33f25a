# expect: TVL011
# style: torchtune-style recipe class (FullFinetuneRecipe with _optimizer_step helper, config via OmegaConf-like dict)
# bug: _maybe_step() returns early without stepping when the grad norm is non-finite, and the skip is not counted anywhere
import argparse
import logging

import torch
import torch.nn as nn
import torch.nn.functional as F

log = logging.getLogger(__name__)


class TinyLM(nn.Module):
    def __init__(self, vocab=1024, dim=256):
        super().__init__()
        self.tok_embeddings = nn.Embedding(vocab, dim)
        self.layers = nn.ModuleList([nn.TransformerEncoderLayer(dim, 4, 4 * dim, batch_first=True) for _ in range(2)])
        self.output = nn.Linear(dim, vocab, bias=False)

    def forward(self, tokens):
        h = self.tok_embeddings(tokens)
        for layer in self.layers:
            h = layer(h)
        return self.output(h)


class FullFinetuneRecipe:
    def __init__(self, cfg):
        self.cfg = cfg
        self._model = TinyLM()
        self._optimizer = torch.optim.AdamW(self._model.parameters(), lr=cfg.lr, fused=False)
        self.global_step = 0

    def _maybe_step(self):
        grad_norm = nn.utils.clip_grad_norm_(self._model.parameters(), max_norm=self.cfg.max_grad_norm)
        if not torch.isfinite(grad_norm):
            return grad_norm
        self._optimizer.step()
        self.global_step += 1
        return grad_norm

    def train(self):
        self._model.train()
        for curr_epoch in range(self.cfg.epochs):
            for idx in range(self.cfg.steps_per_epoch):
                tokens = torch.randint(0, 1024, (8, 129))
                labels = tokens[:, 1:].clone()
                logits = self._model(tokens[:, :-1])
                loss = F.cross_entropy(logits.reshape(-1, logits.size(-1)), labels.reshape(-1), ignore_index=-100)
                loss.backward()
                grad_norm = self._maybe_step()
                self._optimizer.zero_grad(set_to_none=True)
                if idx % self.cfg.log_every_n_steps == 0:
                    log.info("epoch %d step %d loss %.4f grad_norm %.3f", curr_epoch, self.global_step,
                             loss.item(), grad_norm.item())


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--lr", type=float, default=2e-5)
    parser.add_argument("--max-grad-norm", type=float, default=1.0)
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--steps-per-epoch", type=int, default=200)
    parser.add_argument("--log-every-n-steps", type=int, default=10)
    logging.basicConfig(level=logging.INFO)
    FullFinetuneRecipe(parser.parse_args()).train()
