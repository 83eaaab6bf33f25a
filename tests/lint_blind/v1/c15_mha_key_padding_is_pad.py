# expect: clean
# style: Kaggle NLP notebook (nn.TransformerEncoder with src_key_padding_mask built from input_ids == pad)
# note: src_key_padding_mask = (input_ids == PAD) -> True marks padding = ignored, the correct MHA/TransformerEncoder convention
import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset

PAD, VOCAB, MAX_LEN = 0, 8000, 64


class ReviewDataset(Dataset):
    def __init__(self, n):
        self.lens = np.random.randint(8, MAX_LEN, size=n)
        self.labels = np.random.randint(0, 2, size=n)

    def __len__(self):
        return len(self.lens)

    def __getitem__(self, i):
        ids = torch.full((MAX_LEN,), PAD, dtype=torch.long)
        ids[: self.lens[i]] = torch.randint(1, VOCAB, (int(self.lens[i]),))
        return ids, torch.tensor(self.labels[i], dtype=torch.long)


class ReviewClassifier(nn.Module):
    def __init__(self, d=128):
        super().__init__()
        self.emb = nn.Embedding(VOCAB, d, padding_idx=PAD)
        layer = nn.TransformerEncoderLayer(d, 4, 4 * d, dropout=0.1, batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, 2)
        self.fc = nn.Linear(d, 2)

    def forward(self, ids):
        pad_mask = ids == PAD
        h = self.encoder(self.emb(ids), src_key_padding_mask=pad_mask)
        keep = (~pad_mask).unsqueeze(-1).float()
        return self.fc((h * keep).sum(1) / keep.sum(1))


model = ReviewClassifier()
optimizer = torch.optim.AdamW(model.parameters(), lr=3e-4)
criterion = nn.CrossEntropyLoss()
train_loader = DataLoader(ReviewDataset(2000), batch_size=32, shuffle=True)
valid_loader = DataLoader(ReviewDataset(400), batch_size=64)

for epoch in range(3):
    model.train()
    for ids, y in train_loader:
        optimizer.zero_grad()
        loss = criterion(model(ids), y)
        loss.backward()
        optimizer.step()
    model.eval()
    hits = 0
    with torch.no_grad():
        for ids, y in valid_loader:
            hits += (model(ids).argmax(1) == y).sum().item()
    print(f"epoch {epoch}: last loss {loss.item():.4f} valid acc {hits / 400:.4f}")
