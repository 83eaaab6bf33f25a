# expect: clean
# style: time-series anomaly detector (LSTM autoencoder), two schedulers: per-batch linear warmup (LambdaLR in steps) and per-epoch ReduceLROnPlateau on val loss
# note: one scheduler is stepped every batch and one per epoch; the per-batch one is a LambdaLR defined in steps and runs after optimizer.step(), the plateau scheduler is stepped once per epoch with the validation loss
import argparse
import logging

import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

log = logging.getLogger("lstm_ae")


class LSTMAE(nn.Module):
    def __init__(self, n_feat, hidden=64, latent=16):
        super().__init__()
        self.enc = nn.LSTM(n_feat, hidden, batch_first=True)
        self.to_lat = nn.Linear(hidden, latent)
        self.from_lat = nn.Linear(latent, hidden)
        self.dec = nn.LSTM(hidden, hidden, batch_first=True)
        self.out = nn.Linear(hidden, n_feat)

    def forward(self, x):
        _, (h, _) = self.enc(x)
        z = self.to_lat(h[-1])
        rep = self.from_lat(z).unsqueeze(1).repeat(1, x.size(1), 1)
        y, _ = self.dec(rep)
        return self.out(y)


def windows(arr, w=64, step=8):
    return np.stack([arr[i:i + w] for i in range(0, len(arr) - w, step)]).astype(np.float32)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=40)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--warmup-steps", type=int, default=300)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)

    t = np.arange(40000)
    sig = np.stack([np.sin(t / 50), np.cos(t / 80), np.sin(t / 13) * 0.3], 1) + 0.05 * np.random.randn(40000, 3)
    tr, va = windows(sig[:32000]), windows(sig[32000:])
    train_dl = DataLoader(TensorDataset(torch.from_numpy(tr)), batch_size=64, shuffle=True)
    val_dl = DataLoader(TensorDataset(torch.from_numpy(va)), batch_size=256)

    model = LSTMAE(3)
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    warmup = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min(1.0, (s + 1) / args.warmup_steps))
    plateau = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, mode="min", factor=0.5, patience=3)
    mse = nn.MSELoss()
    global_step = 0

    for epoch in range(args.epochs):
        model.train()
        tl = 0.0
        for (x,) in train_dl:
            loss = mse(model(x), x)
            opt.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            if global_step < args.warmup_steps:
                warmup.step()
            global_step += 1
            tl += loss.item()
        model.eval()
        with torch.no_grad():
            errs = torch.cat([((model(x) - x) ** 2).mean((1, 2)) for (x,) in val_dl])
        vl = errs.mean().item()
        if global_step >= args.warmup_steps:
            plateau.step(vl)
        thr = errs.mean() + 3 * errs.std()
        log.info("epoch %d train %.5f val %.5f thr %.5f lr %.2e", epoch, tl / len(train_dl), vl, thr.item(),
                 opt.param_groups[0]["lr"])
    torch.save({"model": model.state_dict(), "threshold": float(thr)}, "lstm_ae.pt")


if __name__ == "__main__":
    main()
