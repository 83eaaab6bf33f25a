# expect: TVL010
# style: Kaggle NLP kernel: frozen-tokenizer style inputs (input_ids + attention_mask) into an nn.MultiheadAttention pooling head
# bug: key_padding_mask=attention_mask.bool() passes True for real tokens, but nn.MultiheadAttention treats True as "ignore", so only padding is attended
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

CFG = dict(vocab=30522, max_len=128, dim=256, heads=8, n_targets=6, lr=2e-4, epochs=4, bs=32)


class EssayDataset(Dataset):
    def __init__(self, n):
        self.lengths = torch.randint(16, CFG["max_len"], (n,))
        self.targets = torch.rand(n, CFG["n_targets"]) * 4 + 1

    def __len__(self):
        return len(self.lengths)

    def __getitem__(self, i):
        L = self.lengths[i]
        ids = torch.zeros(CFG["max_len"], dtype=torch.long)
        ids[:L] = torch.randint(1000, CFG["vocab"], (L,))
        mask = torch.zeros(CFG["max_len"], dtype=torch.long)
        mask[:L] = 1
        return {"input_ids": ids, "attention_mask": mask, "labels": self.targets[i]}


class AttnPoolRegressor(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(CFG["vocab"], CFG["dim"], padding_idx=0)
        self.enc = nn.GRU(CFG["dim"], CFG["dim"] // 2, batch_first=True, bidirectional=True)
        self.query = nn.Parameter(torch.randn(1, 1, CFG["dim"]) * 0.02)
        self.pool = nn.MultiheadAttention(CFG["dim"], CFG["heads"], batch_first=True)
        self.fc = nn.Linear(CFG["dim"], CFG["n_targets"])

    def forward(self, input_ids, attention_mask):
        h, _ = self.enc(self.emb(input_ids))
        q = self.query.expand(h.size(0), -1, -1)
        pooled, _ = self.pool(q, h, h, key_padding_mask=attention_mask.bool())
        return self.fc(pooled.squeeze(1))


def mcrmse(pred, target):
    return torch.sqrt(((pred - target) ** 2).mean(0)).mean()


model = AttnPoolRegressor()
optimizer = torch.optim.AdamW(model.parameters(), lr=CFG["lr"], weight_decay=0.01)
train_loader = DataLoader(EssayDataset(3000), batch_size=CFG["bs"], shuffle=True, drop_last=True)
valid_loader = DataLoader(EssayDataset(500), batch_size=CFG["bs"] * 2)

for epoch in range(CFG["epochs"]):
    model.train()
    for step, batch in enumerate(train_loader):
        preds = model(batch["input_ids"], batch["attention_mask"])
        loss = F.smooth_l1_loss(preds, batch["labels"])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if step % 25 == 0:
            print(f"epoch {epoch} step {step} loss {loss.item():.4f}")
    model.eval()
    with torch.no_grad():
        outs = [(model(b["input_ids"], b["attention_mask"]), b["labels"]) for b in valid_loader]
    score = mcrmse(torch.cat([o for o, _ in outs]), torch.cat([t for _, t in outs]))
    print(f"epoch {epoch} valid MCRMSE {score.item():.4f}")
