# expect: clean
# style: config-dict factory for a speech enhancement model; pretrained path from an environment variable loaded via a safe helper
# note: the checkpoint path comes from os.environ, but load_checkpoint calls torch.load with weights_only=True (through a small wrapper used everywhere in the project).
import functools
import logging
import os

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

log = logging.getLogger("enh")

safe_load = functools.partial(torch.load, map_location="cpu", weights_only=True)


def load_checkpoint(path):
    state = safe_load(path)
    return state.get("model", state)


CONFIG = {
    "n_fft": 512,
    "hop": 128,
    "hidden": 256,
    "lr": 5e-4,
    "epochs": 8,
    "pretrained": os.environ.get("ENH_PRETRAINED"),
}


class MaskEstimator(nn.Module):
    def __init__(self, n_freq, hidden):
        super().__init__()
        self.lstm = nn.LSTM(n_freq, hidden, num_layers=2, batch_first=True)
        self.fc = nn.Linear(hidden, n_freq)

    def forward(self, mag):
        h, _ = self.lstm(mag)
        return torch.sigmoid(self.fc(h))


def build(cfg):
    model = MaskEstimator(cfg["n_fft"] // 2 + 1, cfg["hidden"])
    if cfg["pretrained"]:
        model.load_state_dict(load_checkpoint(cfg["pretrained"]))
        log.info("initialised from %s", cfg["pretrained"])
    return model


def stft_mag(wav, cfg):
    spec = torch.stft(wav, cfg["n_fft"], cfg["hop"], window=torch.hann_window(cfg["n_fft"]), return_complex=True)
    return spec.abs().transpose(1, 2)


def main(cfg=CONFIG):
    logging.basicConfig(level=logging.INFO)
    model = build(cfg)
    opt = torch.optim.Adam(model.parameters(), lr=cfg["lr"])
    clean = torch.randn(600, 16000) * 0.1
    noisy = clean + 0.05 * torch.randn_like(clean)
    dl = DataLoader(TensorDataset(noisy, clean), batch_size=16, shuffle=True)
    for epoch in range(cfg["epochs"]):
        model.train()
        tot = 0.0
        for n_wav, c_wav in dl:
            n_mag, c_mag = stft_mag(n_wav, cfg), stft_mag(c_wav, cfg)
            est = model(n_mag) * n_mag
            loss = F.l1_loss(est, c_mag)
            opt.zero_grad()
            loss.backward()
            opt.step()
            tot += loss.item()
        log.info("epoch %d spectral L1 %.5f", epoch, tot / len(dl))
    torch.save({"model": model.state_dict()}, "mask_estimator.pt")


if __name__ == "__main__":
    main()
