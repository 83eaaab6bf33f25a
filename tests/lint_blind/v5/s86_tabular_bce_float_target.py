# expect: clean
# style: Kaggle tabular binary classification kernel (entity embeddings + numeric MLP), predictions to numpy only for the metric
# note: BCEWithLogits needs float targets (y.float()) and gets the (B,) squeezed logit; .detach().cpu().numpy() is used only on evaluation outputs, never on the training loss path
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from sklearn.metrics import roc_auc_score
from torch.utils.data import DataLoader, Dataset

CAT_CARDS = [8, 16, 100, 5]


class TabDS(Dataset):
    def __init__(self, n, seed):
        rng = np.random.default_rng(seed)
        self.cat = np.stack([rng.integers(0, c, n) for c in CAT_CARDS], 1)
        self.num = rng.normal(size=(n, 12)).astype(np.float32)
        self.y = (self.num[:, 0] + (self.cat[:, 0] > 3) + rng.normal(size=n) > 1).astype(np.int64)

    def __len__(self):
        return len(self.y)

    def __getitem__(self, i):
        return torch.from_numpy(self.cat[i]), torch.from_numpy(self.num[i]), torch.tensor(self.y[i])


class EntityEmbNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.embs = nn.ModuleList(nn.Embedding(c, min(50, (c + 1) // 2)) for c in CAT_CARDS)
        d = sum(e.embedding_dim for e in self.embs) + 12
        self.mlp = nn.Sequential(nn.Linear(d, 128), nn.ReLU(), nn.BatchNorm1d(128), nn.Dropout(0.2), nn.Linear(128, 1))

    def forward(self, cat, num):
        x = torch.cat([e(cat[:, i]) for i, e in enumerate(self.embs)] + [num], dim=1)
        return self.mlp(x).squeeze(1)


train_dl = DataLoader(TabDS(40000, 0), batch_size=256, shuffle=True)
valid_ds = TabDS(8000, 1)
valid_dl = DataLoader(valid_ds, batch_size=1024)
model = EntityEmbNet()
opt = torch.optim.Adam(model.parameters(), lr=2e-3)
sched = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, mode="max", factor=0.3, patience=1)

for epoch in range(10):
    model.train()
    tr_loss = 0.0
    for cat, num, y in train_dl:
        logits = model(cat, num)
        loss = F.binary_cross_entropy_with_logits(logits, y.float())
        opt.zero_grad()
        loss.backward()
        opt.step()
        tr_loss += loss.item()
    model.eval()
    preds = []
    with torch.no_grad():
        for cat, num, _ in valid_dl:
            preds.append(torch.sigmoid(model(cat, num)).detach().cpu().numpy())
    auc = roc_auc_score(valid_ds.y, np.concatenate(preds))
    sched.step(auc)
    print(f"epoch {epoch}: train loss {tr_loss / len(train_dl):.4f}  valid AUC {auc:.4f}")
