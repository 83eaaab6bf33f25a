# expect: TVL013
# style: accelerate-like wrapper shim (prepare() wraps the model in a module with pre-hooks), audio classification Trainer
# bug: Trainer.compute_loss() calls self.model.forward(batch) on the prepared model, bypassing __call__, so the forward pre-hook that the wrapper registers (SpecAugment-style frequency masking in train mode) is skipped and training runs without augmentation.
import logging
from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

log = logging.getLogger("audio")


@dataclass
class TrainArgs:
    epochs: int = 8
    lr: float = 1e-3
    batch_size: int = 32
    freq_mask: int = 8


class Accel:
    """Tiny stand-in for accelerate: decides device and prepares objects."""

    def __init__(self, freq_mask):
        self.device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
        self.freq_mask = freq_mask

    def _pre_hook(self, module, args):
        (spec,) = args
        if module.training and self.freq_mask:
            f0 = torch.randint(0, spec.size(-2) - self.freq_mask, (1,)).item()
            spec = spec.clone()
            spec[..., f0:f0 + self.freq_mask, :] = 0
        return (spec,)

    def prepare(self, model, optimizer, *loaders):
        model = model.to(self.device)
        model.register_forward_pre_hook(self._pre_hook)
        return (model, optimizer, *loaders)


class AudioCNN(nn.Module):
    def __init__(self, n_classes=10):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(16, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(), nn.AdaptiveAvgPool2d(1),
        )
        self.classifier = nn.Linear(64, n_classes)

    def forward(self, spec):
        return self.classifier(self.features(spec).flatten(1))


class Trainer:
    def __init__(self, model, args: TrainArgs, train_dl, eval_dl):
        self.accel = Accel(args.freq_mask)
        opt = torch.optim.Adam(model.parameters(), lr=args.lr)
        self.model, self.opt, self.train_dl, self.eval_dl = self.accel.prepare(model, opt, train_dl, eval_dl)
        self.args = args

    def compute_loss(self, batch):
        spec, labels = batch
        spec, labels = spec.to(self.accel.device), labels.to(self.accel.device)
        logits = self.model.forward(spec)
        return F.cross_entropy(logits, labels)

    def evaluate(self):
        self.model.eval()
        correct = total = 0
        with torch.no_grad():
            for spec, labels in self.eval_dl:
                pred = self.model(spec.to(self.accel.device)).argmax(-1).cpu()
                correct += (pred == labels).sum().item()
                total += len(labels)
        self.model.train()
        return correct / total

    def train(self):
        for epoch in range(self.args.epochs):
            self.model.train()
            running = 0.0
            for batch in self.train_dl:
                loss = self.compute_loss(batch)
                self.opt.zero_grad()
                loss.backward()
                self.opt.step()
                running += loss.item()
            log.info("epoch %d loss %.4f eval_acc %.4f", epoch, running / len(self.train_dl), self.evaluate())


def esc_like(n, seed):
    g = torch.Generator().manual_seed(seed)
    y = torch.randint(0, 10, (n,), generator=g)
    x = torch.randn(n, 1, 64, 101, generator=g) * 0.5
    for c in range(10):
        x[y == c, :, 4 * c:4 * c + 4, :] += 1.0
    return TensorDataset(x, y)


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    args = TrainArgs()
    train_dl = DataLoader(esc_like(3000, 0), batch_size=args.batch_size, shuffle=True)
    eval_dl = DataLoader(esc_like(500, 1), batch_size=128)
    t = Trainer(AudioCNN(), args, train_dl, eval_dl)
    t.train()
    torch.save(t.model.state_dict(), "audio_cnn.pt")
