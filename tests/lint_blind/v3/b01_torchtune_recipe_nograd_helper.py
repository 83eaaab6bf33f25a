# expect: TVL001
# style: torchtune full-finetune recipe (recipe class with setup/_loss_step/train)
# bug: _forward_logits is decorated with @torch.no_grad(), and _loss_step uses it as the only path from the model to the loss
import argparse
import logging

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

log = logging.getLogger("recipe")


class TinyDecoder(nn.Module):
    def __init__(self, vocab=512, dim=128, layers=2):
        super().__init__()
        self.tok = nn.Embedding(vocab, dim)
        self.blocks = nn.ModuleList(
            [nn.TransformerEncoderLayer(dim, 4, dim * 4, batch_first=True) for _ in range(layers)]
        )
        self.out = nn.Linear(dim, vocab)

    def forward(self, tokens):
        h = self.tok(tokens)
        for blk in self.blocks:
            h = blk(h)
        return self.out(h)


class FullFinetuneRecipe:
    def __init__(self, cfg):
        self.cfg = cfg
        self.device = torch.device("cuda" if torch.cuda.is_available() else "cpu")

    def setup(self):
        self._model = TinyDecoder().to(self.device)
        self._optimizer = torch.optim.AdamW(self._model.parameters(), lr=self.cfg.lr)
        data = torch.randint(0, 512, (256, 33))
        self._dataloader = DataLoader(TensorDataset(data), batch_size=self.cfg.batch_size, shuffle=True)

    @torch.no_grad()
    def _forward_logits(self, tokens):
        # shared by training and generation
        return self._model(tokens)

    def _loss_step(self, batch):
        tokens = batch[0].to(self.device)
        inputs, labels = tokens[:, :-1], tokens[:, 1:]
        logits = self._forward_logits(inputs)
        return F.cross_entropy(logits.reshape(-1, logits.size(-1)), labels.reshape(-1))

    def train(self):
        self._model.train()
        for epoch in range(self.cfg.epochs):
            for step, batch in enumerate(self._dataloader):
                self._optimizer.zero_grad(set_to_none=True)
                loss = self._loss_step(batch)
                loss.backward()
                self._optimizer.step()
                if step % self.cfg.log_every == 0:
                    log.info("epoch %d step %d loss %.4f", epoch, step, loss.item())


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--lr", type=float, default=2e-5)
    p.add_argument("--batch_size", type=int, default=8)
    p.add_argument("--epochs", type=int, default=1)
    p.add_argument("--log_every", type=int, default=10)
    cfg = p.parse_args()
    recipe = FullFinetuneRecipe(cfg)
    recipe.setup()
    recipe.train()


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    main()
