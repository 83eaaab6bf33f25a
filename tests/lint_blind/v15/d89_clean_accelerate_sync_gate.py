# expect: clean
# style: accelerate-like shim (Accelerator with accumulate()/sync_gradients) for a wav2vec-style audio classifier
# note: optimizer.step() sits behind an `if accelerator.sync_gradients:` gate, which resembles a silent step-skip — but the gate is the gradient-accumulation boundary, not a gradient-norm or finiteness check; every accumulated window is applied and gradients are then cleared
import argparse
import logging
from contextlib import contextmanager

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

logger = logging.getLogger("audio_cls")


class Accelerator:
    def __init__(self, gradient_accumulation_steps=1):
        self.gradient_accumulation_steps = gradient_accumulation_steps
        self.device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
        self.step = 0
        self.sync_gradients = True

    def prepare(self, *objs):
        return tuple(o.to(self.device) if isinstance(o, nn.Module) else o for o in objs)

    @contextmanager
    def accumulate(self, model):
        self.step += 1
        self.sync_gradients = self.step % self.gradient_accumulation_steps == 0
        yield

    def backward(self, loss):
        (loss / self.gradient_accumulation_steps).backward()

    def clip_grad_norm_(self, params, max_norm):
        return nn.utils.clip_grad_norm_(params, max_norm)


class FeatureEncoder(nn.Module):
    def __init__(self, dim=256):
        super().__init__()
        specs = [(1, 64, 10, 5), (64, 128, 3, 2), (128, 128, 3, 2), (128, dim, 3, 2), (dim, dim, 2, 2)]
        layers = []
        for cin, cout, k, s in specs:
            layers += [nn.Conv1d(cin, cout, k, s), nn.GroupNorm(1, cout), nn.GELU()]
        self.conv = nn.Sequential(*layers)

    def forward(self, wav):
        return self.conv(wav.unsqueeze(1)).transpose(1, 2)


class AudioClassifier(nn.Module):
    def __init__(self, n_classes=12, dim=256):
        super().__init__()
        self.encoder = FeatureEncoder(dim)
        layer = nn.TransformerEncoderLayer(dim, 4, 4 * dim, 0.1, batch_first=True)
        self.context = nn.TransformerEncoder(layer, 2)
        self.head = nn.Linear(dim, n_classes)

    def forward(self, wav):
        return self.head(self.context(self.encoder(wav)).mean(1))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--accum", type=int, default=4)
    ap.add_argument("--lr", type=float, default=5e-4)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    torch.manual_seed(0)
    wav = torch.randn(2400, 16000) * 0.1
    labels = torch.randint(0, 12, (2400,))
    wav[torch.arange(2400), labels * 1000] += 5.0
    train_dl = DataLoader(TensorDataset(wav[:2000], labels[:2000]), batch_size=8, shuffle=True, drop_last=True)
    val_dl = DataLoader(TensorDataset(wav[2000:], labels[2000:]), batch_size=32)

    accelerator = Accelerator(gradient_accumulation_steps=args.accum)
    model = AudioClassifier()
    (model,) = accelerator.prepare(model)
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.01)
    total_updates = args.epochs * len(train_dl) // args.accum
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=args.lr, total_steps=total_updates + 1)

    for epoch in range(args.epochs):
        model.train()
        for x, y in train_dl:
            with accelerator.accumulate(model):
                loss = F.cross_entropy(model(x.to(accelerator.device)), y.to(accelerator.device))
                accelerator.backward(loss)
                if accelerator.sync_gradients:
                    accelerator.clip_grad_norm_(model.parameters(), 1.0)
                    opt.step()
                    sched.step()
                    opt.zero_grad()
        model.eval()
        correct = 0
        with torch.no_grad():
            for x, y in val_dl:
                correct += (model(x.to(accelerator.device)).argmax(1).cpu() == y).sum().item()
        logger.info("epoch %d loss %.4f val_acc %.4f", epoch, loss.item(), correct / len(val_dl.dataset))
    torch.save(model.state_dict(), "audio_cls.pt")


if __name__ == "__main__":
    main()
