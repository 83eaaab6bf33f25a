# expect: TVL010
# style: HF-tokenizer-like batch dict into nn.TransformerEncoder for intent classification, inline
# bug: the HF-style attention_mask (1 = real token) is converted with .bool() and passed as src_key_padding_mask, where True means "ignore this position", so the model attends only to padding.
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

VOCAB, MAXLEN, N_INTENTS = 16000, 64, 21


class FakeTokenizedDataset(Dataset):
    def __init__(self, n):
        self.input_ids = torch.randint(5, VOCAB, (n, MAXLEN))
        lens = torch.randint(6, MAXLEN, (n,))
        self.attention_mask = (torch.arange(MAXLEN)[None] < lens[:, None]).long()
        self.input_ids[self.attention_mask == 0] = 0
        self.labels = torch.randint(0, N_INTENTS, (n,))

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, i):
        return {"input_ids": self.input_ids[i], "attention_mask": self.attention_mask[i], "labels": self.labels[i]}


class IntentEncoder(nn.Module):
    def __init__(self, d=192, heads=6, layers=3):
        super().__init__()
        self.tok = nn.Embedding(VOCAB, d, padding_idx=0)
        self.pos = nn.Embedding(MAXLEN, d)
        enc_layer = nn.TransformerEncoderLayer(d, heads, 4 * d, dropout=0.1, batch_first=True, norm_first=True)
        self.encoder = nn.TransformerEncoder(enc_layer, layers)
        self.cls = nn.Linear(d, N_INTENTS)

    def forward(self, input_ids, attention_mask):
        pos = torch.arange(input_ids.size(1), device=input_ids.device)
        h = self.tok(input_ids) + self.pos(pos)[None]
        h = self.encoder(h, src_key_padding_mask=attention_mask.bool())
        m = attention_mask.unsqueeze(-1).float()
        return self.cls((h * m).sum(1) / m.sum(1))


device = "cuda" if torch.cuda.is_available() else "cpu"
model = IntentEncoder().to(device)
optimizer = torch.optim.AdamW(model.parameters(), lr=5e-4)
train_loader = DataLoader(FakeTokenizedDataset(6000), batch_size=64, shuffle=True)
val_loader = DataLoader(FakeTokenizedDataset(800), batch_size=128)

for epoch in range(6):
    model.train()
    for step, batch in enumerate(train_loader):
        batch = {k: v.to(device) for k, v in batch.items()}
        logits = model(batch["input_ids"], batch["attention_mask"])
        loss = F.cross_entropy(logits, batch["labels"])
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        if step % 50 == 0:
            print(f"epoch {epoch} step {step} loss {loss.item():.4f}")
    model.eval()
    hits = total = 0
    with torch.no_grad():
        for batch in val_loader:
            batch = {k: v.to(device) for k, v in batch.items()}
            pred = model(batch["input_ids"], batch["attention_mask"]).argmax(-1)
            hits += (pred == batch["labels"]).sum().item()
            total += len(pred)
    print(f"epoch {epoch} val acc {hits / total:.4f}")

intent_names = [f"intent_{i:02d}" for i in range(N_INTENTS)]
per_intent = torch.zeros(N_INTENTS)
counts = torch.zeros(N_INTENTS)
model.eval()
with torch.no_grad():
    for batch in val_loader:
        batch = {k: v.to(device) for k, v in batch.items()}
        pred = model(batch["input_ids"], batch["attention_mask"]).argmax(-1).cpu()
        lab = batch["labels"].cpu()
        per_intent.index_add_(0, lab, (pred == lab).float())
        counts.index_add_(0, lab, torch.ones_like(lab, dtype=torch.float))
for name, c, n in zip(intent_names, per_intent, counts):
    print(f"{name}: {c / n.clamp_min(1):.3f} ({int(n)})")
torch.save(model.state_dict(), "intent_encoder.pt")
