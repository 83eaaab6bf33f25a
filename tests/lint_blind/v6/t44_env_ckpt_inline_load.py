# expect: TVL014
# style: cluster job script configured through environment variables, speech-enhancement mask estimator fine-tuning
# bug: the initial weights are read with torch.load(os.environ["INIT_CKPT"]) without weights_only=True.
import os

import torch
import torch.nn as nn
import torch.nn.functional as F

N_FFT = 512
HOP = 128
BINS = N_FFT // 2 + 1
BATCH = int(os.environ.get("BATCH", "16"))
STEPS = int(os.environ.get("STEPS", "2000"))
LR = float(os.environ.get("LR", "3e-4"))
OUT_DIR = os.environ.get("OUT_DIR", "./enh_out")


class MaskEstimator(nn.Module):
    def __init__(self, hidden=256):
        super().__init__()
        self.rnn = nn.GRU(BINS, hidden, num_layers=2, batch_first=True)
        self.fc = nn.Linear(hidden, BINS)

    def forward(self, mag):
        h, _ = self.rnn(mag)
        return torch.sigmoid(self.fc(h))


def stft_mag(wave):
    spec = torch.stft(wave, N_FFT, HOP, window=torch.hann_window(N_FFT), return_complex=True)
    return spec.abs().transpose(1, 2)


def synth_pair(batch, seconds=2, sr=16000):
    t = torch.arange(seconds * sr) / sr
    freqs = torch.randint(100, 1000, (batch, 1)).float()
    clean = torch.sin(2 * torch.pi * freqs * t[None])
    noisy = clean + 0.3 * torch.randn_like(clean)
    return noisy, clean


model = MaskEstimator()
init_path = os.environ["INIT_CKPT"]
state = torch.load(init_path, map_location="cpu")
model.load_state_dict(state["model"] if "model" in state else state)
print("loaded init weights from", init_path)

opt = torch.optim.Adam(model.parameters(), lr=LR)
os.makedirs(OUT_DIR, exist_ok=True)
model.train()
for step in range(STEPS):
    noisy, clean = synth_pair(BATCH)
    noisy_mag, clean_mag = stft_mag(noisy), stft_mag(clean)
    mask = model(noisy_mag)
    loss = F.l1_loss(mask * noisy_mag, clean_mag)
    opt.zero_grad()
    loss.backward()
    opt.step()
    if step % 200 == 0:
        print(f"step {step} l1 {loss.item():.4f}")

torch.save({"model": model.state_dict()}, os.path.join(OUT_DIR, "finetuned.pt"))
