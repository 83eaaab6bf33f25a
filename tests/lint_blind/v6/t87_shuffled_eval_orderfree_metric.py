# expect: clean
# style: Trainer class with make_loaders() factory, human-activity recognition from IMU windows
# note: the validation loader is built with shuffle=True, but evaluation only accumulates order-free statistics (accuracy, confusion matrix, mean loss) from labels that travel in the same batch as the inputs.
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

ACTIVITIES = ["walk", "upstairs", "downstairs", "sit", "stand", "lie"]


def make_loaders(batch_size=64):
    x = torch.randn(7000, 9, 128)
    y = torch.randint(0, len(ACTIVITIES), (7000,))
    train = TensorDataset(x[:6000], y[:6000])
    val = TensorDataset(x[6000:], y[6000:])
    return (DataLoader(train, batch_size=batch_size, shuffle=True, drop_last=True),
            DataLoader(val, batch_size=256, shuffle=True))


class HARNet(nn.Module):
    def __init__(self, n_cls=len(ACTIVITIES)):
        super().__init__()
        self.conv = nn.Sequential(
            nn.Conv1d(9, 64, 5, padding=2), nn.BatchNorm1d(64), nn.ReLU(),
            nn.Conv1d(64, 64, 5, padding=2), nn.BatchNorm1d(64), nn.ReLU(), nn.MaxPool1d(2),
        )
        self.lstm = nn.LSTM(64, 64, batch_first=True)
        self.fc = nn.Linear(64, n_cls)

    def forward(self, x):
        h = self.conv(x).transpose(1, 2)
        _, (hn, _) = self.lstm(h)
        return self.fc(hn[-1])


class HARTrainer:
    def __init__(self, model, lr=1e-3):
        self.model = model
        self.opt = torch.optim.Adam(model.parameters(), lr=lr)

    def train_epoch(self, loader):
        self.model.train()
        tot = 0.0
        for x, y in loader:
            self.opt.zero_grad()
            loss = F.cross_entropy(self.model(x), y)
            loss.backward()
            self.opt.step()
            tot += loss.item()
        return tot / len(loader)

    @torch.no_grad()
    def evaluate(self, loader):
        self.model.eval()
        conf = torch.zeros(len(ACTIVITIES), len(ACTIVITIES), dtype=torch.long)
        loss_sum, n = 0.0, 0
        for x, y in loader:
            logits = self.model(x)
            loss_sum += F.cross_entropy(logits, y, reduction="sum").item()
            n += y.numel()
            conf.index_put_((y, logits.argmax(1)), torch.ones_like(y), accumulate=True)
        acc = conf.diag().sum().item() / n
        return loss_sum / n, acc, conf


if __name__ == "__main__":
    train_loader, val_loader = make_loaders()
    trainer = HARTrainer(HARNet())
    for epoch in range(12):
        tl = trainer.train_epoch(train_loader)
        vl, acc, conf = trainer.evaluate(val_loader)
        print(f"epoch {epoch} train {tl:.4f} val {vl:.4f} acc {acc:.3f}")
    per_class = conf.diag().float() / conf.sum(1).clamp(min=1).float()
    for name, r in zip(ACTIVITIES, per_class.tolist()):
        print(f"{name:10s} recall {r:.3f}")
