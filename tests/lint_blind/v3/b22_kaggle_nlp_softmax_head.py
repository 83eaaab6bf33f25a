# expect: TVL008
# style: Kaggle NLP kernel (CFG class, custom Dataset over a DataFrame, model with pooled head, train_fn/valid_fn)
# bug: the model's forward ends in softmax and train_fn feeds those probabilities to nn.CrossEntropyLoss, which applies log_softmax again
import numpy as np
import pandas as pd
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset


class CFG:
    vocab_size = 20000
    max_len = 128
    emb_dim = 200
    num_classes = 3
    batch_size = 32
    epochs = 4
    lr = 2e-3
    seed = 2021


class TextDataset(Dataset):
    def __init__(self, df):
        self.ids = df["input_ids"].values
        self.labels = df["label"].values

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, idx):
        return torch.tensor(self.ids[idx], dtype=torch.long), torch.tensor(self.labels[idx], dtype=torch.long)


class CustomModel(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.embedding = nn.Embedding(cfg.vocab_size, cfg.emb_dim)
        self.gru = nn.GRU(cfg.emb_dim, 128, batch_first=True, bidirectional=True)
        self.fc = nn.Sequential(nn.Dropout(0.3), nn.Linear(256, cfg.num_classes))

    def forward(self, ids):
        h, _ = self.gru(self.embedding(ids))
        pooled = h.mean(1)
        return torch.softmax(self.fc(pooled), dim=-1)


def train_fn(loader, model, criterion, optimizer):
    model.train()
    losses = []
    for ids, labels in loader:
        optimizer.zero_grad()
        preds = model(ids)
        loss = criterion(preds, labels)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return np.mean(losses)


def valid_fn(loader, model):
    model.eval()
    correct = 0
    with torch.no_grad():
        for ids, labels in loader:
            correct += (model(ids).argmax(-1) == labels).sum().item()
    return correct / len(loader.dataset)


if __name__ == "__main__":
    torch.manual_seed(CFG.seed)
    rng = np.random.default_rng(CFG.seed)
    df = pd.DataFrame({"input_ids": list(rng.integers(0, CFG.vocab_size, (3000, CFG.max_len))),
                       "label": rng.integers(0, CFG.num_classes, 3000)})
    trn, val = df.iloc[:2500], df.iloc[2500:]
    train_loader = DataLoader(TextDataset(trn), batch_size=CFG.batch_size, shuffle=True, drop_last=True)
    valid_loader = DataLoader(TextDataset(val), batch_size=CFG.batch_size * 2, shuffle=False)
    model = CustomModel(CFG)
    optimizer = torch.optim.Adam(model.parameters(), lr=CFG.lr)
    criterion = nn.CrossEntropyLoss()
    for epoch in range(CFG.epochs):
        avg_loss = train_fn(train_loader, model, criterion, optimizer)
        acc = valid_fn(valid_loader, model)
        print(f"Epoch {epoch + 1} - avg_train_loss: {avg_loss:.4f}  acc: {acc:.4f}")
