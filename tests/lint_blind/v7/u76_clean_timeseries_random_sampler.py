# expect: clean
# style: notebook-style electricity-load forecasting with a Temporal CNN, sampler-based loaders
# note: the training loader has no shuffle flag and the series is time-ordered, which looks like TVL015, but it uses sampler=RandomSampler(train_ds); the chronological split is done before windowing, so there is no leakage.
import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset, RandomSampler, SequentialSampler

rng = np.random.default_rng(5)
hours = np.arange(24 * 365 * 2)
load = 50 + 10 * np.sin(2 * np.pi * hours / 24) + 5 * np.sin(2 * np.pi * hours / (24 * 7)) + rng.normal(0, 2, len(hours))
load = load.astype(np.float32)
split = int(len(load) * 0.85)
mean, std = load[:split].mean(), load[:split].std()
norm = (load - mean) / std


class Windows(Dataset):
    def __init__(self, series, lookback=168, horizon=24):
        self.s, self.lb, self.h = series, lookback, horizon

    def __len__(self):
        return len(self.s) - self.lb - self.h + 1

    def __getitem__(self, i):
        x = self.s[i:i + self.lb]
        y = self.s[i + self.lb:i + self.lb + self.h]
        return torch.from_numpy(x).unsqueeze(0), torch.from_numpy(y)


train_ds, val_ds = Windows(norm[:split]), Windows(norm[split:])
train_dl = DataLoader(train_ds, batch_size=128, sampler=RandomSampler(train_ds), drop_last=True)
val_dl = DataLoader(val_ds, batch_size=512, sampler=SequentialSampler(val_ds))


class TCN(nn.Module):
    def __init__(self, ch=32, horizon=24):
        super().__init__()
        layers, c = [], 1
        for d in (1, 2, 4, 8, 16):
            layers += [nn.Conv1d(c, ch, 3, padding=d, dilation=d), nn.ReLU(), nn.BatchNorm1d(ch)]
            c = ch
        self.net = nn.Sequential(*layers)
        self.head = nn.Linear(ch, horizon)

    def forward(self, x):
        return self.head(self.net(x)[:, :, -1])


model = TCN()
opt = torch.optim.Adam(model.parameters(), lr=2e-3)
loss_fn = nn.MSELoss()

for epoch in range(15):
    model.train()
    tr = []
    for xb, yb in train_dl:
        opt.zero_grad()
        loss = loss_fn(model(xb), yb)
        loss.backward()
        opt.step()
        tr.append(loss.item())
    model.eval()
    with torch.no_grad():
        mae = np.mean([(model(xb) - yb).abs().mean().item() for xb, yb in val_dl]) * std
    print(f"epoch {epoch:2d}  train mse {np.mean(tr):.4f}  val MAE {mae:.2f} MW")

# forecast the last available window and compare with a seasonal-naive baseline
model.eval()
with torch.no_grad():
    last_x, last_y = val_ds[len(val_ds) - 1]
    fc = model(last_x[None])[0].numpy() * std + mean
truth = last_y.numpy() * std + mean
naive = norm[split:][-24 - 24:-24] * std + mean
print("model MAE  :", np.abs(fc - truth).mean().round(2))
print("naive MAE  :", np.abs(naive - truth).mean().round(2))
torch.save({"state_dict": model.state_dict(), "mean": float(mean), "std": float(std)}, "tcn_load.pt")
