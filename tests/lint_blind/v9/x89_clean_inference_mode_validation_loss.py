# expect: clean
# style: Lightning-like shim with training_step / validation_step for a text-to-speech duration predictor
# note: the model forward appears under torch.inference_mode() and a loss is computed there, but only in validation_step, whose loss is only logged; training_step runs the model with autograd enabled.
import logging

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

log = logging.getLogger("tts")


class DurationPredictor(nn.Module):
    def __init__(self, n_phonemes=80, d=192):
        super().__init__()
        self.emb = nn.Embedding(n_phonemes, d, padding_idx=0)
        self.convs = nn.Sequential(
            nn.Conv1d(d, d, 3, padding=1), nn.ReLU(), nn.Dropout(0.1),
            nn.Conv1d(d, d, 3, padding=1), nn.ReLU(), nn.Dropout(0.1),
        )
        self.proj = nn.Conv1d(d, 1, 1)

    def forward(self, phonemes):
        x = self.emb(phonemes).transpose(1, 2)
        return self.proj(self.convs(x)).squeeze(1)


class DurationModule(nn.Module):
    def __init__(self, lr=1e-3):
        super().__init__()
        self.model = DurationPredictor()
        self.lr = lr

    @staticmethod
    def masked_loss(log_dur_pred, durations, phonemes):
        mask = (phonemes != 0).float()
        target = torch.log1p(durations.float())
        return ((log_dur_pred - target) ** 2 * mask).sum() / mask.sum()

    def training_step(self, batch):
        ph, dur = batch
        return self.masked_loss(self.model(ph), dur, ph)

    def validation_step(self, batch):
        ph, dur = batch
        with torch.inference_mode():
            loss = self.masked_loss(self.model(ph), dur, ph)
        return loss.item()

    def configure_optimizers(self):
        return torch.optim.Adam(self.parameters(), lr=self.lr, betas=(0.9, 0.98))


def fit(module, train_dl, val_dl, epochs):
    opt = module.configure_optimizers()
    for epoch in range(epochs):
        module.train()
        tl = 0.0
        for batch in train_dl:
            loss = module.training_step(batch)
            opt.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(module.parameters(), 1.0)
            opt.step()
            tl += loss.item()
        module.eval()
        vl = sum(module.validation_step(b) for b in val_dl) / len(val_dl)
        log.info("epoch %d train %.4f val %.4f", epoch, tl / len(train_dl), vl)


def synthetic(n):
    ph = torch.randint(1, 80, (n, 60))
    lens = torch.randint(10, 60, (n,))
    ph[torch.arange(60)[None] >= lens[:, None]] = 0
    dur = torch.randint(1, 20, (n, 60)) * (ph != 0)
    return TensorDataset(ph, dur)


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    fit(DurationModule(), DataLoader(synthetic(4000), batch_size=32, shuffle=True), DataLoader(synthetic(500), batch_size=64), epochs=10)
