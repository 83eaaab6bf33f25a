# expect: TVL011
# style: runner with plug-in hooks, a NaN-guard hook vetoes optimizer steps; speech enhancement (mask estimation)
# bug: NanGuardHook.before_optimizer_step returns False for non-finite gradients and Runner.step() then silently drops the update; nothing counts or logs the skip.
import logging
import math

import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset

logger = logging.getLogger("enh")


class NoisySpeech(Dataset):
    def __init__(self, n, n_fft=256, frames=100, seed=0):
        self.n, self.f, self.t, self.seed = n, n_fft // 2 + 1, frames, seed

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        g = torch.Generator().manual_seed(self.seed * 7919 + i)
        clean = torch.rand(self.f, self.t, generator=g) ** 2
        noise = torch.rand(self.f, self.t, generator=g) * 0.5
        return (clean + noise).log1p(), clean / (clean + noise + 1e-8)


class MaskNet(nn.Module):
    def __init__(self, f=129, hidden=256):
        super().__init__()
        self.lstm = nn.LSTM(f, hidden, num_layers=2, batch_first=True, bidirectional=True)
        self.out = nn.Linear(2 * hidden, f)

    def forward(self, spec):
        h, _ = self.lstm(spec.transpose(1, 2))
        return torch.sigmoid(self.out(h)).transpose(1, 2)


class Hook:
    def before_optimizer_step(self, runner):
        return True

    def after_iter(self, runner, loss):
        pass


class NanGuardHook(Hook):
    def before_optimizer_step(self, runner):
        for p in runner.model.parameters():
            if p.grad is not None and not torch.isfinite(p.grad).all():
                return False
        return True


class TextLoggerHook(Hook):
    def __init__(self, interval=20):
        self.interval = interval

    def after_iter(self, runner, loss):
        if runner.iter % self.interval == 0:
            logger.info("epoch %d iter %d loss %.5f", runner.epoch, runner.iter, loss)


class Runner:
    def __init__(self, model, optimizer, hooks, max_epochs):
        self.model, self.optimizer, self.hooks = model, optimizer, hooks
        self.max_epochs = max_epochs
        self.epoch = self.iter = 0

    def step(self, loss):
        self.optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(self.model.parameters(), 5.0)
        if all(h.before_optimizer_step(self) for h in self.hooks):
            self.optimizer.step()

    def run(self, train_dl, val_dl):
        crit = nn.MSELoss()
        for self.epoch in range(self.max_epochs):
            self.model.train()
            for noisy, target_mask in train_dl:
                loss = crit(self.model(noisy), target_mask)
                self.step(loss)
                self.iter += 1
                for h in self.hooks:
                    h.after_iter(self, loss.item())
            self.model.eval()
            with torch.no_grad():
                vals = [crit(self.model(x), m).item() for x, m in val_dl]
            logger.info("epoch %d val_mse %.5f", self.epoch, sum(vals) / len(vals))


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    torch.manual_seed(0)
    model = MaskNet()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    train_dl = DataLoader(NoisySpeech(2000), batch_size=16, shuffle=True, num_workers=2)
    val_dl = DataLoader(NoisySpeech(200, seed=1), batch_size=32)
    runner = Runner(model, opt, [NanGuardHook(), TextLoggerHook()], max_epochs=10)
    runner.run(train_dl, val_dl)
    torch.save(model.state_dict(), "masknet_%d.pt" % math.floor(runner.epoch + 1))
