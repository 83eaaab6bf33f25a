# expect: clean
# style: Kaggle kernel, imbalanced skin-lesion classification with a WeightedRandomSampler
# note: the training DataLoader has no shuffle=True, but it is given a WeightedRandomSampler (shuffle must be left off when a sampler is passed), so samples are drawn randomly.
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset, WeightedRandomSampler

CLASSES = ["nv", "mel", "bkl", "bcc", "akiec", "vasc", "df"]
rng = np.random.default_rng(3)
counts = np.array([6700, 1110, 1100, 510, 330, 140, 115])
labels = np.concatenate([np.full(c, i) for i, c in enumerate(counts)])
images = rng.normal(size=(len(labels), 3, 48, 48)).astype(np.float32)
perm = rng.permutation(len(labels))
images, labels = images[perm], labels[perm]
cut = int(0.85 * len(labels))

train_ds = TensorDataset(torch.from_numpy(images[:cut]), torch.from_numpy(labels[:cut]))
valid_ds = TensorDataset(torch.from_numpy(images[cut:]), torch.from_numpy(labels[cut:]))

class_weight = 1.0 / np.bincount(labels[:cut], minlength=len(CLASSES))
sample_weight = class_weight[labels[:cut]]
sampler = WeightedRandomSampler(torch.as_tensor(sample_weight, dtype=torch.double), num_samples=cut, replacement=True)
train_loader = DataLoader(train_ds, batch_size=64, sampler=sampler, num_workers=2)
valid_loader = DataLoader(valid_ds, batch_size=256, shuffle=False)

model = nn.Sequential(
    nn.Conv2d(3, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
    nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2),
    nn.Conv2d(64, 128, 3, padding=1), nn.BatchNorm2d(128), nn.ReLU(), nn.AdaptiveAvgPool2d(1),
    nn.Flatten(), nn.Linear(128, len(CLASSES)),
)
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)

for epoch in range(10):
    model.train()
    run = 0.0
    for x, y in train_loader:
        optimizer.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()
        run += loss.item()

    model.eval()
    conf = np.zeros((len(CLASSES), len(CLASSES)), dtype=int)
    with torch.no_grad():
        for x, y in valid_loader:
            p = model(x).argmax(1)
            np.add.at(conf, (y.numpy(), p.numpy()), 1)
    recall = conf.diagonal() / conf.sum(1).clip(min=1)
    print(f"epoch {epoch} loss {run / len(train_loader):.4f} balanced acc {recall.mean():.3f}")

# how balanced were the sampled batches?
seen = np.zeros(len(CLASSES), dtype=int)
for _, y in train_loader:
    seen += np.bincount(y.numpy(), minlength=len(CLASSES))
for name, n, r in zip(CLASSES, seen, recall):
    print(f"{name:6s} sampled {n:6d}  val recall {r:.3f}")

torch.save(model.state_dict(), "lesion_cnn.pt")
