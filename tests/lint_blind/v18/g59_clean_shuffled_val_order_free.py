# expect: clean
# style: Kaggle-ish image classification with a shuffled validation loader
# note: the validation DataLoader uses shuffle=True, which looks like TVL017, but the metrics (accuracy, macro-F1, log-loss) are computed from predictions and labels taken from the same batches, so they do not depend on the order.
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from sklearn.metrics import f1_score, log_loss
from torch.utils.data import DataLoader, Dataset

CFG = {"n_classes": 5, "img": 48, "bs": 32, "epochs": 8, "lr": 1e-3}
torch.manual_seed(0)


class LeafDataset(Dataset):
    def __init__(self, n, seed):
        g = torch.Generator().manual_seed(seed)
        self.labels = torch.randint(0, CFG["n_classes"], (n,), generator=g)
        self.images = torch.rand(n, 3, CFG["img"], CFG["img"], generator=g) * 0.6
        for c in range(CFG["n_classes"]):
            self.images[self.labels == c, c % 3] += 0.1 * (c + 1)

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, i):
        img = self.images[i]
        if torch.rand(1).item() < 0.5:
            img = img.flip(-1)
        return img, self.labels[i]


def make_model():
    return nn.Sequential(
        nn.Conv2d(3, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(64, 128, 3, padding=1), nn.BatchNorm2d(128), nn.ReLU(),
        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(128, CFG["n_classes"]),
    )


train_loader = DataLoader(LeafDataset(4000, 0), batch_size=CFG["bs"], shuffle=True, num_workers=2)
# shuffled so that the early-stopping "quick val" on the first batches is representative
valid_loader = DataLoader(LeafDataset(800, 1), batch_size=CFG["bs"] * 2, shuffle=True, num_workers=2)

model = make_model()
optimizer = torch.optim.AdamW(model.parameters(), lr=CFG["lr"], weight_decay=1e-4)
scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=CFG["epochs"])


def validate(model, loader, max_batches=None):
    model.eval()
    probs, ys = [], []
    with torch.no_grad():
        for b, (x, y) in enumerate(loader):
            if max_batches is not None and b >= max_batches:
                break
            probs.append(F.softmax(model(x), dim=1))
            ys.append(y)
    model.train()
    P = torch.cat(probs).numpy()
    Y = torch.cat(ys).numpy()
    return {
        "acc": float((P.argmax(1) == Y).mean()),
        "f1": float(f1_score(Y, P.argmax(1), average="macro")),
        "logloss": float(log_loss(Y, P, labels=list(range(CFG["n_classes"])))),
    }


for epoch in range(CFG["epochs"]):
    model.train()
    running = []
    for step, (x, y) in enumerate(train_loader):
        loss = F.cross_entropy(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        running.append(loss.item())
        if step and step % 50 == 0:
            quick = validate(model, valid_loader, max_batches=3)
            print(f"  step {step}: loss {np.mean(running[-50:]):.4f} quick-val acc {quick['acc']:.3f}")
    scheduler.step()
    full = validate(model, valid_loader)
    print(f"epoch {epoch}: train {np.mean(running):.4f} | val {full}")

torch.save(model.state_dict(), "leaf_cnn.pt")
