# expect: TVL013
# style: Kaggle notebook, EfficientNet-ish classifier whose input normalisation lives in a forward pre-hook on the model
# bug: the training loop calls model.forward(images) directly, so the model-level input-normalisation pre-hook is skipped in training while validation (model(images)) applies it
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

SEED, EPOCHS, BS, LR = 0, 12, 48, 1e-3
torch.manual_seed(SEED)
np.random.seed(SEED)
DEVICE = "cuda" if torch.cuda.is_available() else "cpu"


IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


def attach_input_normalizer(model, mean=IMAGENET_MEAN, std=IMAGENET_STD):
    """Normalise raw [0, 1] images inside the model so the exported module takes raw pixels."""
    m = torch.tensor(mean).view(1, 3, 1, 1)
    s = torch.tensor(std).view(1, 3, 1, 1)

    def pre_hook(module, inputs):
        (x,) = inputs
        return ((x - m.to(x.device)) / s.to(x.device),)

    model.register_forward_pre_hook(pre_hook)
    return model


class MBBlock(nn.Module):
    def __init__(self, cin, cout, stride, expand=4):
        super().__init__()
        mid = cin * expand
        self.conv = nn.Sequential(
            nn.Conv2d(cin, mid, 1, bias=False), nn.GroupNorm(8, mid), nn.SiLU(),
            nn.Conv2d(mid, mid, 3, stride, 1, groups=mid, bias=False), nn.GroupNorm(8, mid), nn.SiLU(),
            nn.Conv2d(mid, cout, 1, bias=False), nn.GroupNorm(8, cout))
        self.skip = stride == 1 and cin == cout

    def forward(self, x):
        y = self.conv(x)
        return x + y if self.skip else y


class Net(nn.Module):
    def __init__(self, n_classes=4):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 32, 3, 2, 1, bias=False), nn.GroupNorm(8, 32), nn.SiLU())
        self.blocks = nn.Sequential(MBBlock(32, 32, 1), MBBlock(32, 64, 2), MBBlock(64, 64, 1), MBBlock(64, 128, 2))
        self.head = nn.Linear(128, n_classes)

    def forward(self, x):
        x = self.blocks(self.stem(x))
        return self.head(F.adaptive_avg_pool2d(x, 1).flatten(1))


X = torch.rand(2400, 3, 64, 64)
y = torch.randint(0, 4, (2400,))
train_loader = DataLoader(TensorDataset(X[:2000], y[:2000]), batch_size=BS, shuffle=True, drop_last=True)
valid_loader = DataLoader(TensorDataset(X[2000:], y[2000:]), batch_size=BS * 2, shuffle=False)

model = attach_input_normalizer(Net()).to(DEVICE)
optimizer = torch.optim.AdamW(model.parameters(), lr=LR, weight_decay=1e-2)
criterion = nn.CrossEntropyLoss()
best_acc = 0.0

for epoch in range(EPOCHS):
    model.train()
    tr_loss = []
    for images, labels in train_loader:
        images, labels = images.to(DEVICE), labels.to(DEVICE)
        optimizer.zero_grad()
        logits = model.forward(images)
        loss = criterion(logits, labels)
        loss.backward()
        optimizer.step()
        tr_loss.append(loss.item())

    model.eval()
    correct = 0
    with torch.no_grad():
        for images, labels in valid_loader:
            correct += (model(images.to(DEVICE)).argmax(1).cpu() == labels).sum().item()
    acc = correct / len(valid_loader.dataset)
    print(f"epoch {epoch:02d} | loss {np.mean(tr_loss):.4f} | val acc {acc:.4f}")
    if acc > best_acc:
        best_acc = acc
        torch.save(model.state_dict(), "ws_effnet_best.pth")
