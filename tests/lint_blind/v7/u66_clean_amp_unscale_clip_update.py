# expect: clean
# style: Trainer class with AMP split across backward()/optimizer_step() methods, speech enhancement (mask estimation)
# note: scaler.step is in a different method from backward, which looks like TVL016, but optimizer_step() unscales before clipping and calls scaler.update() right after scaler.step().
import logging
import os

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

logger = logging.getLogger("se")


class MaskNet(nn.Module):
    def __init__(self, n_freq=257, hidden=256):
        super().__init__()
        self.rnn = nn.LSTM(n_freq, hidden, 2, batch_first=True, bidirectional=True)
        self.out = nn.Linear(2 * hidden, n_freq)

    def forward(self, mag):
        h, _ = self.rnn(mag)
        return torch.sigmoid(self.out(h))


class EnhTrainer:
    def __init__(self, model, lr=1e-3, clip=5.0, device="cpu", out_dir="exp/se"):
        self.model = model.to(device)
        self.device = device
        self.opt = torch.optim.Adam(model.parameters(), lr=lr)
        self.scaler = torch.cuda.amp.GradScaler(enabled=device == "cuda")
        self.clip = clip
        self.out_dir = out_dir
        os.makedirs(out_dir, exist_ok=True)

    def compute_loss(self, noisy, clean):
        with torch.autocast(device_type="cuda", enabled=self.device == "cuda"):
            mask = self.model(noisy)
            return F.l1_loss(mask * noisy, clean)

    def backward(self, loss):
        self.scaler.scale(loss).backward()

    def optimizer_step(self):
        self.scaler.unscale_(self.opt)
        gnorm = nn.utils.clip_grad_norm_(self.model.parameters(), self.clip)
        self.scaler.step(self.opt)
        self.scaler.update()
        self.opt.zero_grad(set_to_none=True)
        return float(gnorm)

    def train_epoch(self, loader, epoch):
        self.model.train()
        tot = 0.0
        for i, (noisy, clean) in enumerate(loader):
            noisy, clean = noisy.to(self.device), clean.to(self.device)
            loss = self.compute_loss(noisy, clean)
            self.backward(loss)
            gnorm = self.optimizer_step()
            tot += loss.item()
            if i % 25 == 0:
                logger.info("epoch %d it %d loss %.4f gnorm %.2f scale %.0f", epoch, i, loss.item(), gnorm,
                            self.scaler.get_scale())
        return tot / len(loader)


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    dev = "cuda" if torch.cuda.is_available() else "cpu"
    clean = torch.rand(1000, 100, 257)
    noisy = clean + 0.3 * torch.rand(1000, 100, 257)
    loader = DataLoader(TensorDataset(noisy, clean), batch_size=16, shuffle=True, num_workers=2)
    trainer = EnhTrainer(MaskNet(), device=dev)
    for ep in range(15):
        avg = trainer.train_epoch(loader, ep)
        logger.info("epoch %d avg loss %.4f", ep, avg)
        torch.save(trainer.model.state_dict(), os.path.join(trainer.out_dir, f"ep{ep}.pt"))
