# expect: clean
# style: HF-like batch dicts (attention_mask 1 = token) with nn.TransformerEncoder and nn.MultiheadAttention pooling, intent detection
# note: the HF-style attention_mask (1 = keep) is passed into PyTorch attention modules, which looks like TVL010, but it is converted with attention_mask == 0 (True = ignore) for both src_key_padding_mask and key_padding_mask.
import logging

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

logging.basicConfig(level=logging.INFO)
logger = logging.getLogger(__name__)
L, VOCAB, N_INTENTS = 48, 9000, 22


class Utterances(Dataset):
    def __init__(self, n):
        self.lens = torch.randint(4, L, (n,))
        self.ids = torch.randint(3, VOCAB, (n, L))
        self.intent = torch.randint(0, N_INTENTS, (n,))

    def __len__(self):
        return len(self.intent)

    def __getitem__(self, i):
        am = (torch.arange(L) < self.lens[i]).long()
        return {"input_ids": self.ids[i] * am, "attention_mask": am, "labels": self.intent[i]}


class IntentModel(nn.Module):
    def __init__(self, d=128):
        super().__init__()
        self.emb = nn.Embedding(VOCAB, d, padding_idx=0)
        self.pos = nn.Embedding(L, d)
        self.enc = nn.TransformerEncoder(nn.TransformerEncoderLayer(d, 4, 256, 0.1, batch_first=True), 2)
        self.query = nn.Parameter(torch.randn(1, 1, d) * 0.02)
        self.pool = nn.MultiheadAttention(d, 4, batch_first=True)
        self.out = nn.Linear(d, N_INTENTS)

    def forward(self, input_ids, attention_mask):
        ignore = attention_mask == 0
        h = self.emb(input_ids) + self.pos(torch.arange(input_ids.size(1)))
        h = self.enc(h, src_key_padding_mask=ignore)
        q = self.query.expand(h.size(0), -1, -1)
        pooled, _ = self.pool(q, h, h, key_padding_mask=ignore)
        return self.out(pooled.squeeze(1))


model = IntentModel()
train_dl = DataLoader(Utterances(6000), batch_size=64, shuffle=True)
eval_dl = DataLoader(Utterances(1000), batch_size=256)
optimizer = torch.optim.AdamW(model.parameters(), lr=5e-4)

for epoch in range(5):
    model.train()
    running = 0.0
    for step, batch in enumerate(train_dl):
        logits = model(batch["input_ids"], batch["attention_mask"])
        loss = F.cross_entropy(logits, batch["labels"])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        running += loss.item()
    model.eval()
    correct = 0
    with torch.no_grad():
        for batch in eval_dl:
            correct += (model(batch["input_ids"], batch["attention_mask"]).argmax(-1) == batch["labels"]).sum().item()
    logger.info("epoch %d loss %.4f intent acc %.4f", epoch, running / len(train_dl), correct / len(eval_dl.dataset))


# ---- confusion summary on the eval split ----
model.eval()
conf = torch.zeros(N_INTENTS, N_INTENTS, dtype=torch.long)
with torch.no_grad():
    for batch in eval_dl:
        pred = model(batch["input_ids"], batch["attention_mask"]).argmax(-1)
        for t, p in zip(batch["labels"].tolist(), pred.tolist()):
            conf[t, p] += 1
recall = conf.diag().float() / conf.sum(1).clamp(min=1).float()
worst = recall.argsort()[:5].tolist()
logger.info("worst intents by recall: %s", [(i, round(recall[i].item(), 3)) for i in worst])
torch.save({"model": model.state_dict(), "n_intents": N_INTENTS}, "intent_model.pt")
