# expect: clean
# style: Trainer class for skin-lesion classification with calibration metrics, softmax used in several places
# note: softmax and sigmoid appear next to the loss code (confidence, ECE, TTA averaging), which looks like TVL008, but CrossEntropyLoss always receives the raw logits; probabilities are only used for metrics and predictions
import argparse

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

N_CLASSES = 7


def expected_calibration_error(probs, labels, n_bins=15):
    conf, pred = probs.max(1)
    acc = (pred == labels).float()
    bins = torch.linspace(0, 1, n_bins + 1)
    ece = torch.zeros(1)
    for lo, hi in zip(bins[:-1], bins[1:]):
        m = (conf > lo) & (conf <= hi)
        if m.any():
            ece += m.float().mean() * (conf[m].mean() - acc[m].mean()).abs()
    return ece.item()


class LesionNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(64, 128, 3, padding=1), nn.BatchNorm2d(128), nn.ReLU(), nn.AdaptiveAvgPool2d(1))
        self.classifier = nn.Linear(128, N_CLASSES)

    def forward(self, x):
        return self.classifier(self.features(x).flatten(1))


class Trainer:
    def __init__(self, model, device, lr=1e-3, class_weights=None):
        self.model = model.to(device)
        self.device = device
        self.criterion = nn.CrossEntropyLoss(weight=class_weights.to(device) if class_weights is not None else None)
        self.optimizer = torch.optim.Adam(model.parameters(), lr=lr)
        self.scheduler = torch.optim.lr_scheduler.StepLR(self.optimizer, step_size=10, gamma=0.5)

    def train_epoch(self, loader):
        self.model.train()
        total, confs = 0.0, []
        for x, y in loader:
            x, y = x.to(self.device), y.to(self.device)
            logits = self.model(x)
            loss = self.criterion(logits, y)
            self.optimizer.zero_grad()
            loss.backward()
            self.optimizer.step()
            total += loss.item()
            confs.append(F.softmax(logits.detach(), dim=1).max(1).values.mean().item())
        self.scheduler.step()
        return total / len(loader), sum(confs) / len(confs)

    @torch.no_grad()
    def predict_proba(self, loader, tta=True):
        self.model.eval()
        out, ys = [], []
        for x, y in loader:
            x = x.to(self.device)
            p = F.softmax(self.model(x), dim=1)
            if tta:
                p = (p + F.softmax(self.model(x.flip(-1)), dim=1)) / 2
            out.append(p.cpu())
            ys.append(y)
        return torch.cat(out), torch.cat(ys)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=30)
    args = ap.parse_args()
    device = "cuda" if torch.cuda.is_available() else "cpu"
    x = torch.randn(4000, 3, 64, 64)
    y = torch.multinomial(torch.tensor([0.6, 0.12, 0.1, 0.08, 0.05, 0.03, 0.02]), 4000, replacement=True)
    counts = torch.bincount(y[:3400], minlength=N_CLASSES).float()
    weights = (counts.sum() / (N_CLASSES * counts)).sqrt()
    train_loader = DataLoader(TensorDataset(x[:3400], y[:3400]), batch_size=32, shuffle=True)
    val_loader = DataLoader(TensorDataset(x[3400:], y[3400:]), batch_size=128)
    trainer = Trainer(LesionNet(), device, class_weights=weights)
    for epoch in range(args.epochs):
        loss, conf = trainer.train_epoch(train_loader)
        probs, labels = trainer.predict_proba(val_loader)
        bal_acc = torch.stack([(probs.argmax(1)[labels == c] == c).float().mean() for c in range(N_CLASSES)
                               if (labels == c).any()]).mean().item()
        print(f"epoch {epoch} loss {loss:.4f} train_conf {conf:.3f} val_bal_acc {bal_acc:.4f} "
              f"ECE {expected_calibration_error(probs, labels):.4f}")
    torch.save(trainer.model.state_dict(), "lesion_net.pt")


if __name__ == "__main__":
    main()
