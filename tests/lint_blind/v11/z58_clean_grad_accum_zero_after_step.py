# expect: clean
# style: HF-style fine-tuning loop with gradient accumulation; zero_grad only every accum steps
# note: gradients are intentionally kept across micro-batches, but zero_grad() follows each optimizer.step(), and the warmup scheduler steps after the optimizer
import math

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

cfg = {"lr": 5e-5, "epochs": 3, "micro_bs": 8, "accum": 8, "warmup": 50, "max_norm": 1.0}


class SequenceClassifier(nn.Module):
    def __init__(self, vocab=8000, d=256, n_cls=3):
        super().__init__()
        self.emb = nn.Embedding(vocab, d)
        layer = nn.TransformerEncoderLayer(d, 4, 4 * d, 0.1, batch_first=True)
        self.enc = nn.TransformerEncoder(layer, 2)
        self.cls = nn.Linear(d, n_cls)

    def forward(self, ids):
        return self.cls(self.enc(self.emb(ids))[:, 0])


def get_linear_schedule_with_warmup(opt, warmup, total):
    def f(step):
        if step < warmup:
            return step / max(1, warmup)
        return max(0.0, (total - step) / max(1, total - warmup))
    return torch.optim.lr_scheduler.LambdaLR(opt, f)


ids = torch.randint(0, 8000, (4000, 64))
labels = torch.randint(0, 3, (4000,))
loader = DataLoader(TensorDataset(ids, labels), batch_size=cfg["micro_bs"], shuffle=True)
model = SequenceClassifier()
optimizer = torch.optim.AdamW(model.parameters(), lr=cfg["lr"], weight_decay=0.01)
total_steps = math.ceil(len(loader) / cfg["accum"]) * cfg["epochs"]
scheduler = get_linear_schedule_with_warmup(optimizer, cfg["warmup"], total_steps)

global_step = 0
optimizer.zero_grad()
for epoch in range(cfg["epochs"]):
    model.train()
    accum_loss = 0.0
    for step, (x, y) in enumerate(loader):
        loss = F.cross_entropy(model(x), y) / cfg["accum"]
        loss.backward()
        accum_loss += loss.item()
        if (step + 1) % cfg["accum"] == 0 or step + 1 == len(loader):
            torch.nn.utils.clip_grad_norm_(model.parameters(), cfg["max_norm"])
            optimizer.step()
            scheduler.step()
            optimizer.zero_grad()
            global_step += 1
            if global_step % 25 == 0:
                print(f"epoch {epoch} step {global_step}/{total_steps} loss {accum_loss:.4f} "
                      f"lr {scheduler.get_last_lr()[0]:.2e}")
            accum_loss = 0.0
