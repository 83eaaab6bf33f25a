# expect: TVL003
# style: speech keyword spotting on MFCC-like features, plain script
# bug: optimizer.zero_grad() sits between loss.backward() and optimizer.step(), so every step sees cleared gradients
import random

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

KEYWORDS = ["yes", "no", "up", "down", "left", "right", "on", "off", "stop", "go", "_unknown_", "_silence_"]
SAMPLE_FRAMES = 98
N_MFCC = 40


class FakeSpeechCommands(Dataset):
    def __init__(self, n, seed):
        rng = np.random.default_rng(seed)
        self.feats = rng.normal(size=(n, N_MFCC, SAMPLE_FRAMES)).astype(np.float32)
        self.labels = rng.integers(0, len(KEYWORDS), size=n)

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, i):
        x = torch.from_numpy(self.feats[i])
        if random.random() < 0.5:
            shift = random.randint(-10, 10)
            x = torch.roll(x, shift, dims=1)
        return x, int(self.labels[i])


class DSCNN(nn.Module):
    def __init__(self, n_classes, ch=64):
        super().__init__()
        self.conv1 = nn.Conv2d(1, ch, (10, 4), stride=(2, 2), padding=(5, 1))
        self.bn1 = nn.BatchNorm2d(ch)
        blocks = []
        for _ in range(4):
            blocks += [nn.Conv2d(ch, ch, 3, padding=1, groups=ch), nn.BatchNorm2d(ch), nn.ReLU(),
                       nn.Conv2d(ch, ch, 1), nn.BatchNorm2d(ch), nn.ReLU()]
        self.blocks = nn.Sequential(*blocks)
        self.fc = nn.Linear(ch, n_classes)

    def forward(self, x):
        x = F.relu(self.bn1(self.conv1(x.unsqueeze(1))))
        x = self.blocks(x)
        return self.fc(x.mean((2, 3)))


train_set = FakeSpeechCommands(8000, seed=0)
valid_set = FakeSpeechCommands(1000, seed=1)
train_loader = DataLoader(train_set, batch_size=100, shuffle=True, num_workers=2)
valid_loader = DataLoader(valid_set, batch_size=200, shuffle=False)

device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
model = DSCNN(len(KEYWORDS)).to(device)
optimizer = torch.optim.Adam(model.parameters(), lr=5e-4)
criterion = nn.CrossEntropyLoss()

best_acc = 0.0
for epoch in range(30):
    model.train()
    seen, correct, loss_sum = 0, 0, 0.0
    for feats, labels in train_loader:
        feats, labels = feats.to(device), labels.to(device)
        logits = model(feats)
        loss = criterion(logits, labels)
        loss.backward()
        optimizer.zero_grad()
        optimizer.step()
        loss_sum += loss.item() * labels.size(0)
        correct += (logits.argmax(1) == labels).sum().item()
        seen += labels.size(0)

    model.eval()
    v_correct, v_seen = 0, 0
    with torch.no_grad():
        for feats, labels in valid_loader:
            preds = model(feats.to(device)).argmax(1).cpu()
            v_correct += (preds == labels).sum().item()
            v_seen += labels.size(0)
    val_acc = v_correct / v_seen
    print(f"epoch {epoch}: loss {loss_sum / seen:.4f} train_acc {correct / seen:.3f} val_acc {val_acc:.3f}")
    if val_acc > best_acc:
        best_acc = val_acc
        torch.save(model.state_dict(), "kws_best.pt")

print("best", best_acc)
