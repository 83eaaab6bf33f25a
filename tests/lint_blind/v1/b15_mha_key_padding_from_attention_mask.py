# expect: TVL010
# style: Kaggle NLP notebook (tokenizer-style attention_mask fed into nn.TransformerEncoder / MHA)
# bug: key_padding_mask=attention_mask.bool() marks REAL tokens True, but MHA key_padding_mask True means "ignore"
import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset

MAX_LEN, VOCAB, BS, EPOCHS = 64, 8000, 32, 4


class EssayDataset(Dataset):
    def __init__(self, n):
        self.lens = np.random.randint(10, MAX_LEN, size=n)
        self.scores = np.random.rand(n).astype(np.float32)

    def __len__(self):
        return len(self.lens)

    def __getitem__(self, i):
        ids = torch.zeros(MAX_LEN, dtype=torch.long)
        ids[: self.lens[i]] = torch.randint(1, VOCAB, (int(self.lens[i]),))
        attention_mask = (ids != 0).long()
        return {"input_ids": ids, "attention_mask": attention_mask, "score": torch.tensor(self.scores[i])}


class EssayScorer(nn.Module):
    def __init__(self, d=128):
        super().__init__()
        self.emb = nn.Embedding(VOCAB, d, padding_idx=0)
        self.mha = nn.MultiheadAttention(d, 8, batch_first=True)
        self.norm = nn.LayerNorm(d)
        self.fc = nn.Linear(d, 1)

    def forward(self, input_ids, attention_mask):
        x = self.emb(input_ids)
        a, _ = self.mha(x, x, x, key_padding_mask=attention_mask.bool())
        x = self.norm(x + a)
        m = attention_mask.unsqueeze(-1).float()
        pooled = (x * m).sum(1) / m.sum(1).clamp(min=1.0)
        return self.fc(pooled).squeeze(-1)


model = EssayScorer()
optimizer = torch.optim.AdamW(model.parameters(), lr=2e-4, weight_decay=0.01)
criterion = nn.SmoothL1Loss()
train_loader = DataLoader(EssayDataset(2000), batch_size=BS, shuffle=True, drop_last=True)

for epoch in range(EPOCHS):
    model.train()
    losses = []
    for batch in train_loader:
        optimizer.zero_grad()
        preds = model(batch["input_ids"], batch["attention_mask"])
        loss = criterion(preds, batch["score"])
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    print(f"Epoch {epoch + 1}: train loss {np.mean(losses):.4f}")
