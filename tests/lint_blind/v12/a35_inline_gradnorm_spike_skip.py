# expect: TVL011
# style: speech enhancement (mask estimation, STFT), inline training loop with spike protection
# bug: when the total gradient norm exceeds args.skip_threshold the optimizer step is silently skipped; there is no counter or log message for the skipped updates
import argparse

import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

parser = argparse.ArgumentParser(description="LSTM mask-based speech enhancement")
parser.add_argument("--epochs", type=int, default=30)
parser.add_argument("--lr", type=float, default=1e-3)
parser.add_argument("--n-fft", type=int, default=512)
parser.add_argument("--hop", type=int, default=128)
parser.add_argument("--clip", type=float, default=5.0)
parser.add_argument("--skip-threshold", type=float, default=100.0)
args = parser.parse_args()

window = torch.hann_window(args.n_fft)
n_bins = args.n_fft // 2 + 1


def stft_mag(wav):
    spec = torch.stft(wav, args.n_fft, args.hop, window=window, return_complex=True)
    return spec.abs().transpose(1, 2), spec


class MaskNet(nn.Module):
    def __init__(self, n_bins, hidden=256):
        super().__init__()
        self.lstm = nn.LSTM(n_bins, hidden, 2, batch_first=True, bidirectional=True, dropout=0.2)
        self.fc = nn.Linear(2 * hidden, n_bins)

    def forward(self, mag):
        h, _ = self.lstm(torch.log1p(mag))
        return torch.sigmoid(self.fc(h))


clean = torch.randn(800, 16000) * 0.1
noisy = clean + 0.05 * torch.randn_like(clean)
train_dl = DataLoader(TensorDataset(noisy[:700], clean[:700]), batch_size=16, shuffle=True)
val_dl = DataLoader(TensorDataset(noisy[700:], clean[700:]), batch_size=16)

model = MaskNet(n_bins)
optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
criterion = nn.L1Loss()

for epoch in range(args.epochs):
    model.train()
    running = 0.0
    for noisy_wav, clean_wav in train_dl:
        noisy_mag, _ = stft_mag(noisy_wav)
        clean_mag, _ = stft_mag(clean_wav)
        mask = model(noisy_mag)
        loss = criterion(mask * noisy_mag, clean_mag)

        optimizer.zero_grad()
        loss.backward()
        total_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), args.clip)
        if total_norm < args.skip_threshold:
            optimizer.step()
        running += loss.item()

    model.eval()
    val = 0.0
    with torch.no_grad():
        for noisy_wav, clean_wav in val_dl:
            noisy_mag, noisy_spec = stft_mag(noisy_wav)
            clean_mag, _ = stft_mag(clean_wav)
            est_mag = model(noisy_mag) * noisy_mag
            val += criterion(est_mag, clean_mag).item()
            est_spec = est_mag.transpose(1, 2) * torch.exp(1j * noisy_spec.angle())
            _ = torch.istft(est_spec, args.n_fft, args.hop, window=window, length=noisy_wav.size(-1))
    print(f"epoch {epoch:02d} train L1 {running / len(train_dl):.4f} val L1 {val / len(val_dl):.4f}")

torch.save(model.state_dict(), "masknet.pt")
