# expect: clean
# style: Kaggle imbalanced-classification kernel (skin lesions), training DataLoader driven by WeightedRandomSampler
# note: the training DataLoader has no shuffle=True, but it is given a WeightedRandomSampler (random, class-balanced order); validation uses a plain sequential loader with an order-free metric
import numpy as np
import pandas as pd
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset, WeightedRandomSampler

SEED = 7
N_CLASSES = 7
EPOCHS = 12
BS = 48
torch.manual_seed(SEED)
rng = np.random.default_rng(SEED)
device = "cuda" if torch.cuda.is_available() else "cpu"

probs = np.array([0.67, 0.11, 0.11, 0.05, 0.03, 0.02, 0.01])
df = pd.DataFrame({"image_id": np.arange(6000), "dx": rng.choice(N_CLASSES, 6000, p=probs)})
df["is_val"] = rng.random(len(df)) < 0.15
train_df, val_df = df[~df.is_val].reset_index(drop=True), df[df.is_val].reset_index(drop=True)
print(train_df.dx.value_counts().sort_index())


class LesionDS(Dataset):
    def __init__(self, frame):
        self.frame = frame

    def __len__(self):
        return len(self.frame)

    def __getitem__(self, i):
        r = self.frame.iloc[i]
        img = torch.from_numpy(np.random.default_rng(int(r.image_id)).normal(size=(3, 64, 64)).astype(np.float32))
        return img + 0.1 * int(r.dx), int(r.dx)


class_counts = train_df.dx.value_counts().reindex(range(N_CLASSES), fill_value=1).values
sample_weights = (1.0 / class_counts)[train_df.dx.values]
sampler = WeightedRandomSampler(torch.as_tensor(sample_weights, dtype=torch.double), num_samples=len(train_df),
                                replacement=True)
train_loader = DataLoader(LesionDS(train_df), batch_size=BS, sampler=sampler, num_workers=2, drop_last=True)
val_loader = DataLoader(LesionDS(val_df), batch_size=BS * 2, shuffle=False, num_workers=2)

model = nn.Sequential(
    nn.Conv2d(3, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
    nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2),
    nn.Conv2d(64, 128, 3, padding=1), nn.BatchNorm2d(128), nn.ReLU(), nn.AdaptiveAvgPool2d(1),
    nn.Flatten(), nn.Linear(128, N_CLASSES)).to(device)
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
criterion = nn.CrossEntropyLoss()

for epoch in range(EPOCHS):
    model.train()
    tl = 0.0
    for x, y in train_loader:
        x, y = x.to(device), y.to(device)
        optimizer.zero_grad()
        loss = criterion(model(x), y)
        loss.backward()
        optimizer.step()
        tl += loss.item()
    model.eval()
    conf = np.zeros((N_CLASSES, N_CLASSES), dtype=int)
    with torch.no_grad():
        for x, y in val_loader:
            p = model(x.to(device)).argmax(1).cpu().numpy()
            np.add.at(conf, (y.numpy(), p), 1)
    bal_acc = np.mean(np.diag(conf) / np.maximum(conf.sum(1), 1))
    print(f"epoch {epoch} loss {tl / len(train_loader):.4f} balanced acc {bal_acc:.4f}")

torch.save(model.state_dict(), "lesion_cnn.pt")
