# expect: clean
# style: Kaggle-ish notebook where the validation loader reuses the train loader factory (shuffle=True)
# note: the validation loader is shuffled, but its metrics (accuracy, macro-F1, log-loss) are computed from (prediction, label) pairs taken from the same batches, so order does not matter
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from sklearn.metrics import f1_score, log_loss
from torch.utils.data import DataLoader, TensorDataset


def loader_for(x, y, bs=64):
    return DataLoader(TensorDataset(x, y), batch_size=bs, shuffle=True)


X = torch.randn(5000, 3, 28, 28)
Y = torch.randint(0, 7, (5000,))
train_loader = loader_for(X[:4000], Y[:4000])
valid_loader = loader_for(X[4000:], Y[4000:], bs=256)

model = nn.Sequential(
    nn.Conv2d(3, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
    nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
    nn.Flatten(), nn.Linear(64 * 5 * 5, 128), nn.ReLU(), nn.Dropout(0.25), nn.Linear(128, 7),
)
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)


def validate():
    model.eval()
    probs, labels = [], []
    with torch.no_grad():
        for xb, yb in valid_loader:
            probs.append(F.softmax(model(xb), dim=1).numpy())
            labels.append(yb.numpy())
    model.train()
    p, y = np.concatenate(probs), np.concatenate(labels)
    return {"acc": float((p.argmax(1) == y).mean()),
            "macro_f1": f1_score(y, p.argmax(1), average="macro"),
            "logloss": log_loss(y, p, labels=list(range(7)))}


history = []
for epoch in range(10):
    model.train()
    for xb, yb in train_loader:
        loss = F.cross_entropy(model(xb), yb)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    m = validate()
    history.append(m)
    print(f"epoch {epoch}: " + ", ".join(f"{k}={v:.4f}" for k, v in m.items()))

torch.save(model.state_dict(), "model_last.pt")
with open("history.txt", "w") as fh:
    for i, m in enumerate(history):
        fh.write(f"{i}\t{m['acc']:.4f}\t{m['macro_f1']:.4f}\t{m['logloss']:.4f}\n")

best = max(range(len(history)), key=lambda i: history[i]["macro_f1"])
print("best epoch", best, history[best])
