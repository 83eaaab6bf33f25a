# expect: clean
# style: Trainer class with AMP helpers split across methods, speech enhancement (mask estimation on STFT magnitudes)
# note: AMP steps are spread over helper methods (looks like TVL016 could hide there), but _clip() calls scaler.unscale_() before clip_grad_norm_, and _step() does scaler.step() followed by scaler.update()
import argparse
import logging

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

log = logging.getLogger("enh")
logging.basicConfig(level=logging.INFO)


class MaskNet(nn.Module):
    def __init__(self, n_freq=257, hidden=384):
        super().__init__()
        self.lstm = nn.LSTM(n_freq, hidden, num_layers=3, batch_first=True, bidirectional=True, dropout=0.1)
        self.out = nn.Linear(2 * hidden, n_freq)

    def forward(self, mag):
        h, _ = self.lstm(torch.log1p(mag))
        return torch.sigmoid(self.out(h))


def si_snr_proxy(est, ref, eps=1e-8):
    num = (est * ref).sum(-1, keepdim=True) * ref / (ref.pow(2).sum(-1, keepdim=True) + eps)
    noise = est - num
    return 10 * torch.log10(num.pow(2).sum(-1) / (noise.pow(2).sum(-1) + eps) + eps)


class Trainer:
    def __init__(self, model, device, lr=1e-3, max_norm=5.0, amp=True):
        self.model = model.to(device)
        self.device = device
        self.amp = amp and torch.cuda.is_available()
        self.max_norm = max_norm
        self.optimizer = torch.optim.Adam(model.parameters(), lr=lr)
        self.scaler = torch.cuda.amp.GradScaler(enabled=self.amp)

    def _forward_loss(self, noisy, clean):
        with torch.autocast("cuda", enabled=self.amp):
            mask = self.model(noisy)
            return F.l1_loss(mask * noisy, clean)

    def _clip(self):
        self.scaler.unscale_(self.optimizer)
        return nn.utils.clip_grad_norm_(self.model.parameters(), self.max_norm)

    def _step(self):
        self.scaler.step(self.optimizer)
        self.scaler.update()

    def train_epoch(self, loader):
        self.model.train()
        tot, norms = 0.0, 0.0
        for noisy, clean in loader:
            noisy, clean = noisy.to(self.device), clean.to(self.device)
            self.optimizer.zero_grad(set_to_none=True)
            loss = self._forward_loss(noisy, clean)
            self.scaler.scale(loss).backward()
            norms += float(self._clip())
            self._step()
            tot += loss.item()
        return tot / len(loader), norms / len(loader)

    @torch.no_grad()
    def validate(self, loader):
        self.model.eval()
        snr, n = 0.0, 0
        for noisy, clean in loader:
            noisy, clean = noisy.to(self.device), clean.to(self.device)
            est = self.model(noisy) * noisy
            snr += si_snr_proxy(est.flatten(1), clean.flatten(1)).sum().item()
            n += noisy.size(0)
        return snr / n


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=25)
    ap.add_argument("--lr", type=float, default=1e-3)
    args = ap.parse_args()
    device = "cuda" if torch.cuda.is_available() else "cpu"
    clean = torch.rand(1500, 100, 257)
    noisy = clean + 0.3 * torch.rand_like(clean)
    train_loader = DataLoader(TensorDataset(noisy[:1300], clean[:1300]), batch_size=16, shuffle=True)
    val_loader = DataLoader(TensorDataset(noisy[1300:], clean[1300:]), batch_size=32)
    trainer = Trainer(MaskNet(), device, lr=args.lr)
    sched = torch.optim.lr_scheduler.ReduceLROnPlateau(trainer.optimizer, mode="max", patience=2, factor=0.5)
    for epoch in range(args.epochs):
        loss, gn = trainer.train_epoch(train_loader)
        snr = trainer.validate(val_loader)
        sched.step(snr)
        log.info("epoch %d l1 %.4f grad_norm %.2f val_si_snr %.2f dB", epoch, loss, gn, snr)
    torch.save(trainer.model.state_dict(), "masknet.pt")


if __name__ == "__main__":
    main()
