# expect: TVL016
# style: text-to-speech-lite mel decoder (Tacotron-ish postnet) with a `backward_and_step` AMP helper
# bug: `backward_and_step` creates a fresh GradScaler every call and calls scaler.step() but never scaler.update(); the scale never adapts (every overflow step is silently skipped at the initial 65536 scale)
import argparse
import logging
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

log = logging.getLogger("tts")


def backward_and_step(loss, optimizer, params, clip=1.0, use_amp=True):
    scaler = torch.cuda.amp.GradScaler(enabled=use_amp)
    optimizer.zero_grad(set_to_none=True)
    scaler.scale(loss).backward()
    scaler.unscale_(optimizer)
    gnorm = torch.nn.utils.clip_grad_norm_(params, clip)
    scaler.step(optimizer)
    return float(gnorm)


class PhonemeMel(Dataset):
    def __init__(self, n, n_phones=70, n_mels=80, seed=0):
        rng = np.random.default_rng(seed)
        self.items = []
        for _ in range(n):
            L = int(rng.integers(20, 80))
            ph = rng.integers(1, n_phones, L)
            dur = rng.integers(2, 6, L)
            mel = np.repeat(rng.normal(size=(L, n_mels)), dur, axis=0).astype(np.float32)
            self.items.append((ph, dur, mel))

    def __len__(self):
        return len(self.items)

    def __getitem__(self, i):
        ph, dur, mel = self.items[i]
        return torch.from_numpy(ph).long(), torch.from_numpy(dur).long(), torch.from_numpy(mel)


def collate(batch):
    ph = nn.utils.rnn.pad_sequence([b[0] for b in batch], batch_first=True)
    dur = nn.utils.rnn.pad_sequence([b[1] for b in batch], batch_first=True)
    mel = nn.utils.rnn.pad_sequence([b[2] for b in batch], batch_first=True)
    mel_mask = nn.utils.rnn.pad_sequence([torch.ones(b[2].size(0)) for b in batch], batch_first=True)
    return ph, dur, mel, mel_mask


class FastSpeechLite(nn.Module):
    def __init__(self, n_phones=70, d=256, n_mels=80):
        super().__init__()
        self.emb = nn.Embedding(n_phones, d, padding_idx=0)
        self.enc = nn.Sequential(nn.Conv1d(d, d, 5, padding=2), nn.ReLU(), nn.Conv1d(d, d, 5, padding=2), nn.ReLU())
        self.dec = nn.GRU(d, d, batch_first=True)
        self.mel = nn.Linear(d, n_mels)
        self.postnet = nn.Sequential(nn.Conv1d(n_mels, 256, 5, padding=2), nn.Tanh(), nn.Conv1d(256, n_mels, 5, padding=2))

    def forward(self, ph, dur, max_frames):
        h = self.enc(self.emb(ph).transpose(1, 2)).transpose(1, 2)
        expanded = []
        for b in range(h.size(0)):
            e = torch.repeat_interleave(h[b], dur[b], dim=0)
            expanded.append(F.pad(e, (0, 0, 0, max_frames - e.size(0))))
        out, _ = self.dec(torch.stack(expanded))
        mel = self.mel(out)
        return mel, mel + self.postnet(mel.transpose(1, 2)).transpose(1, 2)


def masked_l1(pred, target, mask):
    return ((pred - target).abs().mean(-1) * mask).sum() / mask.sum()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=50)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--bs", type=int, default=16)
    ap.add_argument("--ckpt", default="tts_ckpt")
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    use_amp = device.type == "cuda"

    train_dl = DataLoader(PhonemeMel(3000), batch_size=args.bs, shuffle=True, collate_fn=collate, num_workers=4)
    val_dl = DataLoader(PhonemeMel(200, seed=1), batch_size=args.bs, collate_fn=collate)
    model = FastSpeechLite().to(device)
    params = list(model.parameters())
    opt = torch.optim.Adam(params, lr=args.lr, betas=(0.9, 0.98), eps=1e-9)
    os.makedirs(args.ckpt, exist_ok=True)

    step = 0
    for epoch in range(args.epochs):
        model.train()
        for ph, dur, mel, mask in train_dl:
            ph, dur, mel, mask = ph.to(device), dur.to(device), mel.to(device), mask.to(device)
            with torch.autocast(device_type=device.type, enabled=use_amp):
                pre, post = model(ph, dur, mel.size(1))
                loss = masked_l1(pre.float(), mel, mask) + masked_l1(post.float(), mel, mask)
            gnorm = backward_and_step(loss, opt, params, use_amp=use_amp)
            step += 1
            if step % 100 == 0:
                log.info("step %d loss %.4f gnorm %.3f", step, loss.item(), gnorm)
        model.eval()
        vl = 0.0
        with torch.no_grad():
            for ph, dur, mel, mask in val_dl:
                ph, dur, mel, mask = ph.to(device), dur.to(device), mel.to(device), mask.to(device)
                _, post = model(ph, dur, mel.size(1))
                vl += masked_l1(post, mel, mask).item()
        log.info("epoch %d val L1 %.4f", epoch, vl / len(val_dl))
        torch.save({"model": model.state_dict(), "opt": opt.state_dict(), "step": step},
                   os.path.join(args.ckpt, "last.pt"))


if __name__ == "__main__":
    main()
