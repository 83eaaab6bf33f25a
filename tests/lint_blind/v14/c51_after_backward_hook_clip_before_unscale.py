# expect: TVL016
# style: accelerate/Lightning-like precision plugin + hooks, video action recognition with a 3D CNN
# bug: the runner calls hooks.on_after_backward (which clips gradients) right after scaler.scale(loss).backward() and only then calls scaler.unscale_, so clipping sees scaled gradients
import logging

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

log = logging.getLogger("video")


class AmpPrecision:
    def __init__(self, enabled):
        self.enabled = enabled
        self.scaler = torch.cuda.amp.GradScaler(enabled=enabled)

    def autocast(self):
        return torch.autocast(device_type="cuda", dtype=torch.float16, enabled=self.enabled)

    def backward(self, loss):
        self.scaler.scale(loss).backward()

    def optimizer_step(self, optimizer):
        self.scaler.unscale_(optimizer)
        self.scaler.step(optimizer)
        self.scaler.update()


class ClipHooks:
    def __init__(self, model, max_norm):
        self.model = model
        self.max_norm = max_norm
        self.norms = []

    def on_after_backward(self):
        n = torch.nn.utils.clip_grad_norm_(self.model.parameters(), self.max_norm)
        self.norms.append(float(n))


class Runner:
    def __init__(self, model, optimizer, precision, hooks):
        self.model, self.optimizer = model, optimizer
        self.precision, self.hooks = precision, hooks

    def training_step(self, clips, labels):
        with self.precision.autocast():
            loss = F.cross_entropy(self.model(clips), labels)
        self.optimizer.zero_grad(set_to_none=True)
        self.precision.backward(loss)
        self.hooks.on_after_backward()
        self.precision.optimizer_step(self.optimizer)
        return loss.item()

    def fit(self, loader, val_loader, epochs, device):
        for epoch in range(epochs):
            self.model.train()
            losses = []
            for clips, labels in loader:
                losses.append(self.training_step(clips.to(device), labels.to(device)))
            acc = self.validate(val_loader, device)
            mean_norm = sum(self.hooks.norms[-len(losses):]) / len(losses)
            log.info("epoch %d loss %.4f grad_norm %.3f val_acc %.4f", epoch, sum(losses) / len(losses), mean_norm, acc)

    @torch.no_grad()
    def validate(self, loader, device):
        self.model.eval()
        hit = n = 0
        for clips, labels in loader:
            with self.precision.autocast():
                pred = self.model(clips.to(device)).argmax(1).cpu()
            hit += (pred == labels).sum().item()
            n += len(labels)
        self.model.train()
        return hit / n


class C3DLite(nn.Module):
    def __init__(self, n_classes=20):
        super().__init__()
        def block(cin, cout, pool):
            return nn.Sequential(nn.Conv3d(cin, cout, 3, padding=1), nn.BatchNorm3d(cout), nn.ReLU(), nn.MaxPool3d(pool))
        self.features = nn.Sequential(block(3, 32, (1, 2, 2)), block(32, 64, 2), block(64, 128, 2))
        self.fc = nn.Sequential(nn.Dropout(0.5), nn.Linear(128, n_classes))

    def forward(self, x):
        return self.fc(self.features(x).mean((2, 3, 4)))


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    clips = torch.randn(640, 3, 8, 56, 56)
    labels = torch.randint(0, 20, (640,))
    train_loader = DataLoader(TensorDataset(clips[:512], labels[:512]), batch_size=8, shuffle=True)
    val_loader = DataLoader(TensorDataset(clips[512:], labels[512:]), batch_size=16)
    model = C3DLite().to(device)
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, weight_decay=5e-4)
    Runner(model, opt, AmpPrecision(device == "cuda"), ClipHooks(model, 5.0)).fit(train_loader, val_loader, 30, device)
