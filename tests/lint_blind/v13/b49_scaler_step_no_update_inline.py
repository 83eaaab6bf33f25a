# expect: TVL016
# style: inline AMP loop (Kaggle-style) for a ResNet-ish leaf-disease classifier
# bug: the loop calls scaler.scale(loss).backward() and scaler.step(optimizer) but never scaler.update(), so the loss scale never adapts after overflow
import time

import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset


class CFG:
    n_classes = 5
    epochs = 10
    bs = 32
    lr = 1e-3
    img = 128
    device = "cuda" if torch.cuda.is_available() else "cpu"
    use_amp = True


def conv_bn(i, o, s=1):
    return nn.Sequential(nn.Conv2d(i, o, 3, s, 1, bias=False), nn.BatchNorm2d(o), nn.ReLU(inplace=True))


class LeafNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(conv_bn(3, 32, 2), conv_bn(32, 64, 2), conv_bn(64, 128, 2), conv_bn(128, 256, 2))
        self.head = nn.Linear(256, CFG.n_classes)

    def forward(self, x):
        return self.head(self.body(x).mean((2, 3)))


X = torch.rand(3000, 3, CFG.img, CFG.img)
Y = torch.randint(0, CFG.n_classes, (3000,))
train_loader = DataLoader(TensorDataset(X[:2500], Y[:2500]), batch_size=CFG.bs, shuffle=True, drop_last=True)
valid_loader = DataLoader(TensorDataset(X[2500:], Y[2500:]), batch_size=CFG.bs * 2)

model = LeafNet().to(CFG.device)
criterion = nn.CrossEntropyLoss(label_smoothing=0.05)
optimizer = torch.optim.Adam(model.parameters(), lr=CFG.lr, weight_decay=1e-6)
scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=CFG.epochs, eta_min=1e-6)
scaler = torch.cuda.amp.GradScaler(enabled=CFG.use_amp)

best_score = 0.0
for epoch in range(CFG.epochs):
    start = time.time()
    model.train()
    losses = []
    for step, (images, labels) in enumerate(train_loader):
        images, labels = images.to(CFG.device), labels.to(CFG.device)
        with torch.cuda.amp.autocast(enabled=CFG.use_amp):
            y_preds = model(images)
            loss = criterion(y_preds, labels)
        optimizer.zero_grad()
        scaler.scale(loss).backward()
        scaler.step(optimizer)
        losses.append(loss.item())
    scheduler.step()

    model.eval()
    preds, trues = [], []
    with torch.no_grad():
        for images, labels in valid_loader:
            with torch.cuda.amp.autocast(enabled=CFG.use_amp):
                preds.append(model(images.to(CFG.device)).float().softmax(1).cpu().numpy())
            trues.append(labels.numpy())
    preds, trues = np.concatenate(preds), np.concatenate(trues)
    score = (preds.argmax(1) == trues).mean()
    elapsed = time.time() - start
    print(f"Epoch {epoch + 1} - avg_train_loss: {np.mean(losses):.4f} accuracy: {score:.4f} time: {elapsed:.0f}s")
    if score > best_score:
        best_score = score
        torch.save({"model": model.state_dict(), "preds": preds}, "leafnet_best.pth")
