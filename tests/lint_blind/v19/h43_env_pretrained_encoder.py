# expect: TVL014
# style: speech ASR fine-tuning (CTC) where the pretrained encoder path comes from an environment variable; loader helper in a separate section
# bug: `load_pretrained_encoder` reads the path from os.environ["PRETRAINED_ENCODER"] and calls torch.load on it without weights_only=True
import logging
import math
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

log = logging.getLogger("asr")
VOCAB = ["<blank>", " ", "'"] + [chr(c) for c in range(ord("a"), ord("z") + 1)]


# ---------------------------------------------------------------- model
class ConvSubsample(nn.Module):
    def __init__(self, n_mels, d):
        super().__init__()
        self.conv = nn.Sequential(nn.Conv2d(1, 32, 3, 2), nn.ReLU(), nn.Conv2d(32, 32, 3, 2), nn.ReLU())
        self.proj = nn.Linear(32 * (((n_mels - 1) // 2 - 1) // 2), d)

    def forward(self, x):
        x = self.conv(x.unsqueeze(1))
        b, c, t, f = x.shape
        return self.proj(x.permute(0, 2, 1, 3).reshape(b, t, c * f))


class Encoder(nn.Module):
    def __init__(self, n_mels=80, d=256, layers=6):
        super().__init__()
        self.sub = ConvSubsample(n_mels, d)
        layer = nn.TransformerEncoderLayer(d, 4, 1024, dropout=0.1, batch_first=True)
        self.tf = nn.TransformerEncoder(layer, layers)

    def forward(self, x):
        return self.tf(self.sub(x))


class CTCModel(nn.Module):
    def __init__(self, vocab_size):
        super().__init__()
        self.encoder = Encoder()
        self.ctc_head = nn.Linear(256, vocab_size)

    def forward(self, feats):
        return self.ctc_head(self.encoder(feats)).log_softmax(-1)


# ---------------------------------------------------------------- checkpoints
def load_pretrained_encoder(model):
    path = os.environ.get("PRETRAINED_ENCODER")
    if not path:
        log.warning("PRETRAINED_ENCODER not set, training from scratch")
        return model
    state = torch.load(path, map_location="cpu")
    if "model" in state:
        state = state["model"]
    enc_state = {k[len("encoder."):]: v for k, v in state.items() if k.startswith("encoder.")}
    missing, unexpected = model.encoder.load_state_dict(enc_state, strict=False)
    log.info("loaded encoder from %s (missing=%d unexpected=%d)", path, len(missing), len(unexpected))
    return model


# ---------------------------------------------------------------- data
class FakeLibri(Dataset):
    def __init__(self, n, seed=0):
        self.rng = np.random.default_rng(seed)
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        T = int(self.rng.integers(200, 800))
        L = int(self.rng.integers(5, T // 8))
        return torch.randn(T, 80), torch.randint(1, len(VOCAB), (L,))


def collate(batch):
    feats = nn.utils.rnn.pad_sequence([b[0] for b in batch], batch_first=True)
    feat_lens = torch.tensor([b[0].size(0) for b in batch])
    targets = torch.cat([b[1] for b in batch])
    tgt_lens = torch.tensor([b[1].numel() for b in batch])
    return feats, feat_lens, targets, tgt_lens


def out_lengths(lens):
    return ((lens - 1) // 2 - 1) // 2


# ---------------------------------------------------------------- train
def main():
    logging.basicConfig(level=logging.INFO)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    epochs = int(os.environ.get("EPOCHS", 20))
    lr = float(os.environ.get("LR", 5e-4))
    model = load_pretrained_encoder(CTCModel(len(VOCAB))).to(device)
    ctc = nn.CTCLoss(blank=0, zero_infinity=True)
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=1e-2)
    train_dl = DataLoader(FakeLibri(4000), batch_size=16, shuffle=True, collate_fn=collate, num_workers=4)
    dev_dl = DataLoader(FakeLibri(300, seed=1), batch_size=16, collate_fn=collate)
    for epoch in range(epochs):
        model.train()
        tot = 0.0
        for feats, flens, tgts, tlens in train_dl:
            logp = model(feats.to(device))
            loss = ctc(logp.transpose(0, 1), tgts.to(device), out_lengths(flens).to(device), tlens.to(device))
            opt.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 5.0)
            opt.step()
            tot += loss.item()
        model.eval()
        dev = 0.0
        with torch.no_grad():
            for feats, flens, tgts, tlens in dev_dl:
                logp = model(feats.to(device))
                dev += ctc(logp.transpose(0, 1), tgts.to(device), out_lengths(flens).to(device), tlens.to(device)).item()
        log.info("epoch %d train ctc %.3f dev ctc %.3f", epoch, tot / len(train_dl), dev / len(dev_dl))
        torch.save(model.state_dict(), f"ctc_epoch{epoch}.pt")


if __name__ == "__main__":
    main()
