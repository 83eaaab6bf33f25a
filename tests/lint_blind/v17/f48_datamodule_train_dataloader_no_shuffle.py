# expect: TVL015
# style: Lightning-style DataModule class (hand-written) for a time-series anomaly classifier
# bug: WindowDataModule.train_dataloader() builds its DataLoader without shuffle=True or a sampler, so windows arrive in chronological order every epoch.
import math

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset


class SensorWindows(Dataset):
    def __init__(self, series, labels, window=128, stride=16):
        self.series, self.labels = series, labels
        self.window, self.stride = window, stride
        self.starts = list(range(0, len(series) - window, stride))

    def __len__(self):
        return len(self.starts)

    def __getitem__(self, i):
        s = self.starts[i]
        x = self.series[s:s + self.window].t()
        y = int(self.labels[s:s + self.window].max())
        return x, y


class WindowDataModule:
    def __init__(self, n=60000, channels=6, batch_size=64, window=128):
        self.n, self.c, self.bs, self.window = n, channels, batch_size, window

    def setup(self):
        t = torch.arange(self.n, dtype=torch.float32)
        base = torch.stack([torch.sin(2 * math.pi * t / (50 + 10 * k)) for k in range(self.c)], 1)
        labels = torch.zeros(self.n)
        for start in torch.randint(0, self.n - 200, (60,)).tolist():
            base[start:start + 100] += torch.randn(100, self.c) * 2
            labels[start:start + 100] = 1
        cut = int(self.n * 0.8)
        mu, sd = base[:cut].mean(0), base[:cut].std(0)
        base = (base - mu) / sd
        self.train_ds = SensorWindows(base[:cut], labels[:cut], self.window)
        self.val_ds = SensorWindows(base[cut:], labels[cut:], self.window, stride=self.window)

    def train_dataloader(self):
        return DataLoader(self.train_ds, batch_size=self.bs, num_workers=2, drop_last=True)

    def val_dataloader(self):
        return DataLoader(self.val_ds, batch_size=256, num_workers=2)


class TCN(nn.Module):
    def __init__(self, cin, hidden=64, levels=4):
        super().__init__()
        layers = []
        for i in range(levels):
            d = 2 ** i
            layers += [nn.Conv1d(cin if i == 0 else hidden, hidden, 3, padding=d, dilation=d),
                       nn.BatchNorm1d(hidden), nn.ReLU(), nn.Dropout(0.1)]
        self.net = nn.Sequential(*layers)
        self.fc = nn.Linear(hidden, 1)

    def forward(self, x):
        return self.fc(self.net(x).mean(-1)).squeeze(-1)


class AnomalyTask:
    def __init__(self, dm, lr=1e-3, pos_weight=5.0):
        self.dm = dm
        self.model = TCN(dm.c)
        self.opt = torch.optim.Adam(self.model.parameters(), lr=lr)
        self.pos_weight = torch.tensor(pos_weight)

    def fit(self, epochs):
        self.dm.setup()
        train_dl, val_dl = self.dm.train_dataloader(), self.dm.val_dataloader()
        for epoch in range(epochs):
            self.model.train()
            tot = 0.0
            for x, y in train_dl:
                loss = F.binary_cross_entropy_with_logits(self.model(x), y.float(), pos_weight=self.pos_weight)
                self.opt.zero_grad()
                loss.backward()
                self.opt.step()
                tot += loss.item()
            p, r = self.validate(val_dl)
            print(f"epoch {epoch} loss {tot / len(train_dl):.4f} precision {p:.3f} recall {r:.3f}")

    @torch.no_grad()
    def validate(self, loader):
        self.model.eval()
        tp = fp = fn = 0
        for x, y in loader:
            pred = (self.model(x) > 0).long()
            tp += ((pred == 1) & (y == 1)).sum().item()
            fp += ((pred == 1) & (y == 0)).sum().item()
            fn += ((pred == 0) & (y == 1)).sum().item()
        return tp / max(tp + fp, 1), tp / max(tp + fn, 1)


if __name__ == "__main__":
    torch.manual_seed(0)
    task = AnomalyTask(WindowDataModule())
    task.fit(epochs=10)
    torch.save(task.model.state_dict(), "tcn_anomaly.pt")
