# expect: TVL016
# style: torchtune/fairseq-like recipe class with a separate _clip_and_step() helper under AMP
# bug: _clip_and_step() clips gradients before scaler.unscale_(), so the clip threshold is applied to scaled gradients
import argparse

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


class Seq2SeqLite(nn.Module):
    def __init__(self, vocab=4000, d=256):
        super().__init__()
        self.emb = nn.Embedding(vocab, d)
        self.transformer = nn.Transformer(d, 4, 2, 2, 4 * d, batch_first=True)
        self.out = nn.Linear(d, vocab)

    def forward(self, src, tgt_in):
        mask = self.transformer.generate_square_subsequent_mask(tgt_in.size(1)).to(src.device)
        return self.out(self.transformer(self.emb(src), self.emb(tgt_in), tgt_mask=mask))


class TranslationRecipe:
    def __init__(self, cfg):
        self.cfg = cfg
        self.device = "cuda" if torch.cuda.is_available() else "cpu"
        self.model = Seq2SeqLite().to(self.device)
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=cfg.lr, betas=(0.9, 0.98))
        self.scaler = torch.cuda.amp.GradScaler(enabled=self.device == "cuda")

    def _clip_and_step(self):
        gnorm = nn.utils.clip_grad_norm_(self.model.parameters(), self.cfg.clip_norm)
        self.scaler.unscale_(self.optimizer)
        self.scaler.step(self.optimizer)
        self.scaler.update()
        self.optimizer.zero_grad(set_to_none=True)
        return gnorm

    def train(self, loader):
        for epoch in range(self.cfg.max_epoch):
            self.model.train()
            for i, (src, tgt) in enumerate(loader):
                src, tgt = src.to(self.device), tgt.to(self.device)
                with torch.autocast(self.device, enabled=self.device == "cuda"):
                    logits = self.model(src, tgt[:, :-1])
                    loss = F.cross_entropy(logits.reshape(-1, logits.size(-1)), tgt[:, 1:].reshape(-1),
                                           label_smoothing=0.1)
                self.scaler.scale(loss).backward()
                gnorm = self._clip_and_step()
                if i % 10 == 0:
                    print(f"| epoch {epoch:03d} | {i:5d}/{len(loader)} | loss {loss.item():.3f} | gnorm {float(gnorm):.2f}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--lr", type=float, default=5e-4)
    parser.add_argument("--clip-norm", type=float, default=0.1)
    parser.add_argument("--max-epoch", type=int, default=3)
    cfg = parser.parse_args()
    ds = TensorDataset(torch.randint(0, 4000, (256, 30)), torch.randint(0, 4000, (256, 31)))
    loader = DataLoader(ds, batch_size=32, shuffle=True)
    TranslationRecipe(cfg).train(loader)


if __name__ == "__main__":
    main()
