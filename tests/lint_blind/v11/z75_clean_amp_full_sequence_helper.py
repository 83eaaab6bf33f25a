# expect: clean
# style: AMP training helper class (accelerate-like `backward_and_step`) used by a speech enhancement loop
# note: gradient clipping and a GradScaler live in a helper far from the loop, but the order is scale->backward->unscale_->clip->step->update, which is correct; skipped inf steps are handled by the scaler itself
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


class AmpStepper:
    def __init__(self, optimizer, enabled, max_norm=5.0):
        self.optimizer = optimizer
        self.scaler = torch.cuda.amp.GradScaler(enabled=enabled)
        self.max_norm = max_norm
        self.enabled = enabled

    def autocast(self):
        return torch.autocast(device_type="cuda", dtype=torch.float16, enabled=self.enabled)

    def backward_and_step(self, loss, params):
        self.optimizer.zero_grad(set_to_none=True)
        self.scaler.scale(loss).backward()
        self.scaler.unscale_(self.optimizer)
        gnorm = nn.utils.clip_grad_norm_(params, self.max_norm)
        self.scaler.step(self.optimizer)
        self.scaler.update()
        return float(gnorm)


class MaskEstimator(nn.Module):
    """Predicts a [0, 1] time-frequency mask from a noisy magnitude spectrogram."""

    def __init__(self, n_freq=257, hidden=256):
        super().__init__()
        self.rnn = nn.LSTM(n_freq, hidden, num_layers=2, batch_first=True)
        self.out = nn.Linear(hidden, n_freq)

    def forward(self, mag):
        return torch.sigmoid(self.out(self.rnn(mag)[0]))


def make_pairs(n=600, T=100, F_=257):
    clean = torch.rand(n, T, F_)
    noise = torch.rand(n, T, F_) * 0.5
    return TensorDataset(clean + noise, clean)


def main(epochs=5):
    device = "cuda" if torch.cuda.is_available() else "cpu"
    model = MaskEstimator().to(device)
    opt = torch.optim.Adam(model.parameters(), lr=5e-4)
    stepper = AmpStepper(opt, enabled=device == "cuda")
    loader = DataLoader(make_pairs(), batch_size=16, shuffle=True)
    for ep in range(epochs):
        model.train()
        tot, gsum = 0.0, 0.0
        for noisy, clean in loader:
            noisy, clean = noisy.to(device), clean.to(device)
            with stepper.autocast():
                est = model(noisy) * noisy
                loss = F.l1_loss(est.float(), clean)
            gsum += stepper.backward_and_step(loss, model.parameters())
            tot += loss.item()
        print(f"epoch {ep} l1 {tot/len(loader):.4f} mean gnorm {gsum/len(loader):.3f} "
              f"scale {stepper.scaler.get_scale():.0f}")


if __name__ == "__main__":
    main()
