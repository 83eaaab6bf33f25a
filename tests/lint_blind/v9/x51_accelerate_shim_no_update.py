# expect: TVL016
# style: small accelerate-like shim (Accelerator.backward / optimizer_step) for an audio denoising model
# bug: MiniAccelerator.optimizer_step calls scaler.step but the scaler.update() lives in a separate end_step() method that the training loop never calls.
import logging

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

log = logging.getLogger("denoise")


class MiniAccelerator:
    def __init__(self, mixed_precision="fp16"):
        self.device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
        self.use_amp = mixed_precision == "fp16" and self.device.type == "cuda"
        self.scaler = torch.cuda.amp.GradScaler(enabled=self.use_amp)

    def prepare(self, *objs):
        return [o.to(self.device) if isinstance(o, nn.Module) else o for o in objs]

    def autocast(self):
        return torch.autocast(self.device.type, dtype=torch.float16, enabled=self.use_amp)

    def backward(self, loss):
        self.scaler.scale(loss).backward()

    def clip_grad_norm_(self, params, max_norm, optimizer):
        self.scaler.unscale_(optimizer)
        return nn.utils.clip_grad_norm_(params, max_norm)

    def optimizer_step(self, optimizer):
        self.scaler.step(optimizer)

    def end_step(self):
        self.scaler.update()


class ConvTasNetLite(nn.Module):
    def __init__(self, n_filters=128, kernel=16):
        super().__init__()
        self.encoder = nn.Conv1d(1, n_filters, kernel, stride=kernel // 2, bias=False)
        self.separator = nn.Sequential(*[nn.Sequential(nn.Conv1d(n_filters, n_filters, 3, padding=2 ** i, dilation=2 ** i), nn.PReLU(), nn.GroupNorm(1, n_filters)) for i in range(6)])
        self.mask = nn.Conv1d(n_filters, n_filters, 1)
        self.decoder = nn.ConvTranspose1d(n_filters, 1, kernel, stride=kernel // 2, bias=False)

    def forward(self, wav):
        w = self.encoder(wav)
        m = torch.sigmoid(self.mask(self.separator(w)))
        return self.decoder(w * m)


def si_snr_loss(est, ref, eps=1e-8):
    est, ref = est - est.mean(-1, keepdim=True), ref - ref.mean(-1, keepdim=True)
    proj = (est * ref).sum(-1, keepdim=True) * ref / (ref.pow(2).sum(-1, keepdim=True) + eps)
    noise = est - proj
    return -(10 * torch.log10(proj.pow(2).sum(-1) / (noise.pow(2).sum(-1) + eps) + eps)).mean()


def main(epochs=10):
    logging.basicConfig(level=logging.INFO)
    acc = MiniAccelerator("fp16")
    clean = torch.randn(1200, 1, 16000)
    noisy = clean + 0.3 * torch.randn_like(clean)
    dl = DataLoader(TensorDataset(noisy, clean), batch_size=8, shuffle=True)
    model = ConvTasNetLite()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    (model,) = acc.prepare(model)
    for epoch in range(epochs):
        model.train()
        total = 0.0
        for x, y in dl:
            x, y = x.to(acc.device), y.to(acc.device)
            opt.zero_grad(set_to_none=True)
            with acc.autocast():
                est = model(x)[..., : y.size(-1)]
                loss = si_snr_loss(est.float(), y)
            acc.backward(loss)
            acc.clip_grad_norm_(model.parameters(), 5.0, opt)
            acc.optimizer_step(opt)
            total += loss.item()
        log.info("epoch %d SI-SNR loss %.3f", epoch, total / len(dl))


if __name__ == "__main__":
    main()
