# expect: TVL017
# style: time-series anomaly/forecast repo (Trainer.fit + Trainer.test with a MAPE over the stitched forecast)
# bug: get_loader("test") turns on shuffle for every split, and Trainer.test() stitches the batch predictions together and compares them with the test split's ground-truth series in time order
import argparse

import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset


class Windows(Dataset):
    def __init__(self, series, w=24):
        self.s, self.w = series, w

    def __len__(self):
        return len(self.s) - self.w

    def __getitem__(self, i):
        return self.s[i:i + self.w, None], self.s[i + self.w]


def get_loader(series, split, bs=64):
    ds = Windows(series)
    return DataLoader(ds, batch_size=bs, shuffle=True, drop_last=split == "train")


class TCN(nn.Module):
    def __init__(self, ch=32, w=24):
        super().__init__()
        self.net = nn.Sequential(nn.Conv1d(1, ch, 3, padding=2, dilation=2), nn.ReLU(),
                                 nn.Conv1d(ch, ch, 3, padding=4, dilation=4), nn.ReLU())
        self.out = nn.Linear(ch * w, 1)

    def forward(self, x):
        return self.out(self.net(x.transpose(1, 2)).flatten(1)).squeeze(-1)


class Trainer:
    def __init__(self, model, lr):
        self.model, self.opt = model, torch.optim.Adam(model.parameters(), lr=lr)

    def fit(self, loader, epochs):
        for ep in range(epochs):
            self.model.train()
            for x, y in loader:
                loss = nn.functional.l1_loss(self.model(x), y)
                self.opt.zero_grad()
                loss.backward()
                self.opt.step()

    @torch.no_grad()
    def test(self, loader, series, w=24):
        self.model.eval()
        forecast = torch.cat([self.model(x) for x, _ in loader])
        truth = series[w:]
        mape = ((forecast - truth).abs() / truth.abs().clamp(min=1e-3)).mean().item()
        return mape, forecast


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=10)
    args = ap.parse_args()
    t = torch.arange(3000, dtype=torch.float32)
    series = 10 + torch.sin(t / 12) + 0.1 * torch.randn_like(t)
    train_s, test_s = series[:2400], series[2400:]
    trainer = Trainer(TCN(), 1e-3)
    trainer.fit(get_loader(train_s, "train"), args.epochs)
    mape, _ = trainer.test(get_loader(test_s, "test"), test_s)
    print(f"test MAPE: {mape:.4f}")
