# expect: clean
# style: HF-like get_optimizer_grouped_parameters() factory with layer-wise LR, BERT-style encoder fine-tuning for sentence-pair similarity
# note: several param groups are built from the same model, which looks like the overlapping-groups case of TVL006, but each parameter is assigned to exactly one group by name (decay vs no_decay x encoder vs head), and every trainable parameter is covered.
import logging

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

logger = logging.getLogger("sts")


class PairEncoder(nn.Module):
    def __init__(self, vocab=15000, d=256, layers=4):
        super().__init__()
        self.embeddings = nn.Embedding(vocab, d, padding_idx=0)
        self.LayerNorm = nn.LayerNorm(d)
        self.encoder = nn.TransformerEncoder(nn.TransformerEncoderLayer(d, 4, 4 * d, 0.1, batch_first=True), layers)
        self.regressor = nn.Sequential(nn.Linear(3 * d, d), nn.Tanh(), nn.Linear(d, 1))

    def embed(self, ids):
        pad = ids == 0
        h = self.encoder(self.LayerNorm(self.embeddings(ids)), src_key_padding_mask=pad)
        keep = (~pad).unsqueeze(-1).float()
        return (h * keep).sum(1) / keep.sum(1).clamp(min=1)

    def forward(self, a, b):
        u, v = self.embed(a), self.embed(b)
        return self.regressor(torch.cat([u, v, (u - v).abs()], -1)).squeeze(-1)


def get_optimizer_grouped_parameters(model, lr, head_lr, wd):
    no_decay = ("bias", "LayerNorm.weight", "norm1.weight", "norm2.weight")
    groups = {(h, d): [] for h in (True, False) for d in (True, False)}
    for name, p in model.named_parameters():
        if not p.requires_grad:
            continue
        is_head = name.startswith("regressor.")
        decay = not any(nd in name for nd in no_decay)
        groups[(is_head, decay)].append(p)
    return [
        {"params": groups[(False, True)], "lr": lr, "weight_decay": wd},
        {"params": groups[(False, False)], "lr": lr, "weight_decay": 0.0},
        {"params": groups[(True, True)], "lr": head_lr, "weight_decay": wd},
        {"params": groups[(True, False)], "lr": head_lr, "weight_decay": 0.0},
    ]


def main():
    logging.basicConfig(level=logging.INFO)
    a = torch.randint(1, 15000, (5000, 40))
    b = torch.randint(1, 15000, (5000, 40))
    score = torch.rand(5000) * 5
    train_dl = DataLoader(TensorDataset(a[:4500], b[:4500], score[:4500]), batch_size=32, shuffle=True)
    val_dl = DataLoader(TensorDataset(a[4500:], b[4500:], score[4500:]), batch_size=128)
    model = PairEncoder()
    opt = torch.optim.AdamW(get_optimizer_grouped_parameters(model, 2e-5, 1e-3, 0.01))
    total = 4 * len(train_dl)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: max(0.0, 1 - s / total))
    for epoch in range(4):
        model.train()
        for step, (x1, x2, y) in enumerate(train_dl):
            loss = F.mse_loss(model(x1, x2), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            if step % 40 == 0:
                logger.info("epoch %d step %d mse %.4f", epoch, step, loss.item())
        model.eval()
        with torch.no_grad():
            preds = torch.cat([model(x1, x2) for x1, x2, _ in val_dl])
        gold = score[4500:]
        pearson = torch.corrcoef(torch.stack([preds, gold]))[0, 1].item()
        logger.info("epoch %d val pearson %.4f", epoch, pearson)


if __name__ == "__main__":
    main()
