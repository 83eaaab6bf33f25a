# expect: TVL008,TVL012
# style: Kaggle multi-label NLP kernel (toxic-comment style: CFG dict, loss_fn helper, train_fn returning epoch loss)
# bug: loss_fn applies torch.sigmoid before BCEWithLogitsLoss (TVL008), and train_fn accumulates epoch_loss += loss as a tensor (TVL012)
import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

CFG = {"vocab": 30000, "max_len": 150, "n_labels": 6, "bs": 64, "epochs": 3, "lr": 1e-3}


class BiGRUPool(nn.Module):
    def __init__(self, vocab, n_labels, emb=128, hid=96):
        super().__init__()
        self.embedding = nn.Embedding(vocab, emb)
        self.gru = nn.GRU(emb, hid, batch_first=True, bidirectional=True)
        self.out = nn.Linear(4 * hid, n_labels)

    def forward(self, ids):
        h, _ = self.gru(self.embedding(ids))
        return self.out(torch.cat([h.mean(1), h.max(1).values], dim=1))


def loss_fn(outputs, targets):
    return nn.BCEWithLogitsLoss()(torch.sigmoid(outputs), targets)


def train_fn(loader, model, optimizer):
    model.train()
    epoch_loss = 0
    for ids, targets in loader:
        optimizer.zero_grad()
        loss = loss_fn(model(ids), targets)
        loss.backward()
        optimizer.step()
        epoch_loss += loss
    return epoch_loss / len(loader)


def eval_fn(loader, model):
    model.eval()
    fin_outputs, fin_targets = [], []
    with torch.no_grad():
        for ids, targets in loader:
            fin_outputs.append(torch.sigmoid(model(ids)).numpy())
            fin_targets.append(targets.numpy())
    return np.vstack(fin_outputs), np.vstack(fin_targets)


if __name__ == "__main__":
    ids = torch.randint(0, CFG["vocab"], (5000, CFG["max_len"]))
    y = (torch.rand(5000, CFG["n_labels"]) > 0.9).float()
    train_loader = DataLoader(TensorDataset(ids[:4500], y[:4500]), batch_size=CFG["bs"], shuffle=True)
    valid_loader = DataLoader(TensorDataset(ids[4500:], y[4500:]), batch_size=CFG["bs"] * 2)
    model = BiGRUPool(CFG["vocab"], CFG["n_labels"])
    optimizer = torch.optim.Adam(model.parameters(), lr=CFG["lr"])
    for epoch in range(CFG["epochs"]):
        tr_loss = train_fn(train_loader, model, optimizer)
        outputs, targets = eval_fn(valid_loader, model)
        acc = ((outputs >= 0.5) == targets).mean()
        print(f"Epoch {epoch}: train loss {float(tr_loss):.4f} valid elementwise acc {acc:.4f}")
