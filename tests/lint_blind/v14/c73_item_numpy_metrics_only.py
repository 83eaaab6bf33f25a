# expect: clean
# style: Kaggle-style regression (age estimation from face crops) with numpy metric bookkeeping
# note: the loop is full of .detach()/.cpu().numpy()/.item() calls, but all of them feed logging and metrics; the loss that is backpropagated is computed from the live model output
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

torch.manual_seed(5)
N = 5000
faces = torch.rand(N, 3, 64, 64)
ages = (20 + 40 * faces[:, 0, :8, :8].mean((1, 2)) + 5 * torch.randn(N)).clamp(1, 95)

train_loader = DataLoader(TensorDataset(faces[:4200], ages[:4200]), batch_size=64, shuffle=True)
val_loader = DataLoader(TensorDataset(faces[4200:], ages[4200:]), batch_size=256)


class AgeNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.f = nn.Sequential(
            nn.Conv2d(3, 32, 3, 2, 1), nn.BatchNorm2d(32), nn.ReLU(),
            nn.Conv2d(32, 64, 3, 2, 1), nn.BatchNorm2d(64), nn.ReLU(),
            nn.Conv2d(64, 128, 3, 2, 1), nn.BatchNorm2d(128), nn.ReLU(),
            nn.AdaptiveAvgPool2d(1), nn.Flatten())
        self.reg = nn.Linear(128, 1)

    def forward(self, x):
        return self.reg(self.f(x)).squeeze(1)


model = AgeNet()
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
AGE_MEAN, AGE_STD = ages[:4200].mean().item(), ages[:4200].std().item()

for epoch in range(20):
    model.train()
    abs_errs, losses = [], []
    for x, age in train_loader:
        pred_z = model(x)
        target_z = (age - AGE_MEAN) / AGE_STD
        loss = F.l1_loss(pred_z, target_z)
        opt.zero_grad()
        loss.backward()
        opt.step()
        pred_age = pred_z.detach().cpu().numpy() * AGE_STD + AGE_MEAN
        abs_errs.append(np.abs(pred_age - age.numpy()))
        losses.append(loss.item())
    train_mae = np.concatenate(abs_errs).mean()

    model.eval()
    preds, trues = [], []
    with torch.no_grad():
        for x, age in val_loader:
            preds.append(model(x).numpy() * AGE_STD + AGE_MEAN)
            trues.append(age.numpy())
    p, t = np.concatenate(preds), np.concatenate(trues)
    mae = np.abs(p - t).mean()
    cs5 = (np.abs(p - t) <= 5).mean()
    print(f"epoch {epoch:2d} loss {np.mean(losses):.4f} train MAE {train_mae:.2f} val MAE {mae:.2f} CS(5) {cs5:.3f}")

bins = np.digitize(t, [30, 45, 60])
for b, name in enumerate(["<30", "30-45", "45-60", "60+"]):
    sel = bins == b
    if sel.any():
        print(f"{name:6s} MAE {np.abs(p[sel] - t[sel]).mean():.2f} (n={sel.sum()})")
