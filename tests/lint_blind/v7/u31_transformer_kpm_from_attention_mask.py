# expect: TVL010
# style: HF-style batch dicts with attention_mask (1 = real token) fed to nn.TransformerEncoder, review rating regression
# bug: src_key_padding_mask is given attention_mask.bool(), which is True at real tokens, but nn.TransformerEncoder ignores positions where the key_padding_mask is True, so real tokens are masked out and padding is attended.
import logging

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

logging.basicConfig(level=logging.INFO, format="%(asctime)s - %(levelname)s - %(message)s")
logger = logging.getLogger(__name__)

MAX_LEN, VOCAB = 128, 16000


class ReviewDataset(Dataset):
    def __init__(self, n):
        self.lengths = torch.randint(16, MAX_LEN, (n,))
        self.ids = torch.randint(5, VOCAB, (n, MAX_LEN))
        self.stars = torch.randint(1, 6, (n,)).float()

    def __len__(self):
        return len(self.stars)

    def __getitem__(self, i):
        L = self.lengths[i]
        ids = self.ids[i].clone()
        ids[L:] = 0
        mask = torch.zeros(MAX_LEN, dtype=torch.long)
        mask[:L] = 1
        return {"input_ids": ids, "attention_mask": mask, "labels": self.stars[i]}


class RatingModel(nn.Module):
    def __init__(self, d=192, heads=6, layers=3):
        super().__init__()
        self.embed = nn.Embedding(VOCAB, d, padding_idx=0)
        self.pos = nn.Parameter(torch.zeros(1, MAX_LEN, d))
        enc_layer = nn.TransformerEncoderLayer(d, heads, 4 * d, 0.1, batch_first=True)
        self.encoder = nn.TransformerEncoder(enc_layer, layers)
        self.regressor = nn.Linear(d, 1)

    def forward(self, input_ids, attention_mask):
        h = self.embed(input_ids) + self.pos[:, : input_ids.size(1)]
        h = self.encoder(h, src_key_padding_mask=attention_mask.bool())
        m = attention_mask.unsqueeze(-1).float()
        pooled = (h * m).sum(1) / m.sum(1)
        return self.regressor(pooled).squeeze(-1)


train_loader = DataLoader(ReviewDataset(5000), batch_size=32, shuffle=True)
eval_loader = DataLoader(ReviewDataset(1000), batch_size=128)
model = RatingModel()
optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4, weight_decay=0.01)
num_training_steps = 4 * len(train_loader)
lr_scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda s: max(0.0, 1 - s / num_training_steps))

for epoch in range(4):
    model.train()
    for step, batch in enumerate(train_loader):
        preds = model(batch["input_ids"], batch["attention_mask"])
        loss = F.mse_loss(preds, batch["labels"])
        loss.backward()
        optimizer.step()
        lr_scheduler.step()
        optimizer.zero_grad()
        if step % 50 == 0:
            logger.info("epoch %d step %d loss %.4f lr %.2e", epoch, step, loss.item(), lr_scheduler.get_last_lr()[0])

    model.eval()
    abs_err, count = 0.0, 0
    with torch.no_grad():
        for batch in eval_loader:
            preds = model(batch["input_ids"], batch["attention_mask"]).clamp(1, 5)
            abs_err += (preds - batch["labels"]).abs().sum().item()
            count += len(preds)
    logger.info("epoch %d eval MAE %.4f", epoch, abs_err / count)


# ---- error analysis by review length ----
model.eval()
buckets = {"short(<48)": [], "medium(48-96)": [], "long(>96)": []}
with torch.no_grad():
    for batch in eval_loader:
        preds = model(batch["input_ids"], batch["attention_mask"]).clamp(1, 5)
        lens = batch["attention_mask"].sum(1)
        for p, y, L in zip(preds.tolist(), batch["labels"].tolist(), lens.tolist()):
            key = "short(<48)" if L < 48 else ("medium(48-96)" if L <= 96 else "long(>96)")
            buckets[key].append(abs(p - y))
for k, v in buckets.items():
    logger.info("%-14s n=%4d MAE %.4f", k, len(v), sum(v) / max(len(v), 1))
torch.save(model.state_dict(), "rating_model.pt")
