# expect: TVL005
# style: face-attribute multi-head model, beginner notebook
# bug: the per-attribute heads are kept in a plain dict attribute, so they are not registered sub-modules and the optimizer never updates them
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

ATTRS = {"age_bucket": 8, "gender": 2, "glasses": 2, "smile": 2}
device = "cpu"


class FaceAttrDataset(Dataset):
    def __init__(self, n, seed=0):
        g = torch.Generator().manual_seed(seed)
        self.images = torch.randn(n, 3, 48, 48, generator=g)
        self.labels = {k: torch.randint(0, c, (n,), generator=g) for k, c in ATTRS.items()}

    def __len__(self):
        return len(self.images)

    def __getitem__(self, i):
        return self.images[i], {k: v[i] for k, v in self.labels.items()}


class AttrNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.backbone = nn.Sequential(
            nn.Conv2d(3, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(64, 128, 3, padding=1), nn.BatchNorm2d(128), nn.ReLU(),
            nn.AdaptiveAvgPool2d(1), nn.Flatten(),
        )
        self.heads = {}
        for name, n_cls in ATTRS.items():
            self.heads[name] = nn.Sequential(nn.Linear(128, 64), nn.ReLU(), nn.Linear(64, n_cls))

    def forward(self, x):
        feat = self.backbone(x)
        return {name: head(feat) for name, head in self.heads.items()}


train_ds = FaceAttrDataset(4000, seed=0)
val_ds = FaceAttrDataset(600, seed=1)
train_loader = DataLoader(train_ds, batch_size=64, shuffle=True)
val_loader = DataLoader(val_ds, batch_size=128)

model = AttrNet().to(device)
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
print("trainable params:", sum(p.numel() for p in model.parameters() if p.requires_grad))

loss_weights = {"age_bucket": 1.0, "gender": 0.5, "glasses": 0.5, "smile": 0.5}

for epoch in range(15):
    model.train()
    epoch_loss = 0.0
    for images, targets in train_loader:
        outputs = model(images.to(device))
        loss = sum(loss_weights[k] * F.cross_entropy(outputs[k], targets[k].to(device)) for k in ATTRS)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        epoch_loss += loss.item()

    model.eval()
    correct = {k: 0 for k in ATTRS}
    n = 0
    with torch.no_grad():
        for images, targets in val_loader:
            outputs = model(images.to(device))
            for k in ATTRS:
                correct[k] += (outputs[k].argmax(1).cpu() == targets[k]).sum().item()
            n += images.size(0)
    accs = {k: round(v / n, 3) for k, v in correct.items()}
    print(f"epoch {epoch} loss {epoch_loss / len(train_loader):.4f} val {accs}")

torch.save(model.state_dict(), "attrnet.pt")
