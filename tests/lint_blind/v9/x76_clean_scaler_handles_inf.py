# expect: clean
# style: AMP fine-tuning loop (image captioning-ish encoder-decoder) relying on GradScaler for inf handling, with skip accounting
# note: no manual gate: GradScaler skips steps with inf/NaN itself; the loop detects a skipped step by comparing the scale before/after update() and counts and logs it.
import os
import random
import logging

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


def seed_everything(seed: int = 42) -> None:
    """Best-effort reproducibility (cudnn autotuning left on for speed)."""
    random.seed(seed)
    os.environ["PYTHONHASHSEED"] = str(seed)
    torch.manual_seed(seed)
    if torch.cuda.is_available():
        torch.cuda.manual_seed_all(seed)

log = logging.getLogger("caption")
VOCAB, T = 5000, 20


class CaptionNet(nn.Module):
    def __init__(self, d=256):
        super().__init__()
        self.cnn = nn.Sequential(nn.Conv2d(3, 64, 4, 4), nn.ReLU(), nn.Conv2d(64, d, 4, 4), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten())
        self.emb = nn.Embedding(VOCAB, d)
        self.lstm = nn.LSTM(d, d, batch_first=True)
        self.out = nn.Linear(d, VOCAB)

    def forward(self, img, tokens):
        feat = self.cnn(img)
        h0 = feat.unsqueeze(0)
        o, _ = self.lstm(self.emb(tokens), (h0, torch.zeros_like(h0)))
        return self.out(o)


@torch.no_grad()
def greedy_caption(model, img, max_len=T, bos=1):
    model.eval()
    tokens = torch.full((img.size(0), 1), bos, dtype=torch.long, device=img.device)
    for _ in range(max_len - 1):
        nxt = model(img, tokens)[:, -1].argmax(-1, keepdim=True)
        tokens = torch.cat([tokens, nxt], 1)
    model.train()
    return tokens


def main(epochs=5):
    logging.basicConfig(level=logging.INFO)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    use_amp = device.type == "cuda"
    model = CaptionNet().to(device)
    opt = torch.optim.Adam(model.parameters(), lr=4e-4)
    scaler = torch.cuda.amp.GradScaler(enabled=use_amp)
    dl = DataLoader(TensorDataset(torch.randn(2000, 3, 64, 64), torch.randint(1, VOCAB, (2000, T))), batch_size=32, shuffle=True)
    skipped = 0
    for epoch in range(epochs):
        model.train()
        tot = 0.0
        for img, cap in dl:
            img, cap = img.to(device), cap.to(device)
            opt.zero_grad(set_to_none=True)
            with torch.autocast(device.type, dtype=torch.float16, enabled=use_amp):
                logits = model(img, cap[:, :-1])
                loss = F.cross_entropy(logits.reshape(-1, VOCAB), cap[:, 1:].reshape(-1))
            scaler.scale(loss).backward()
            scaler.unscale_(opt)
            nn.utils.clip_grad_norm_(model.parameters(), 5.0)
            scale_before = scaler.get_scale()
            scaler.step(opt)
            scaler.update()
            if use_amp and scaler.get_scale() < scale_before:
                skipped += 1
                log.info("overflow: optimizer step skipped by GradScaler (total %d)", skipped)
            tot += loss.item()
        log.info("epoch %d loss %.4f skipped %d", epoch, tot / len(dl), skipped)
        sample = greedy_caption(model, img[:2])
        log.info("sample tokens %s", sample[0, :10].tolist())
        torch.save({"model": model.state_dict(), "scaler": scaler.state_dict(), "epoch": epoch}, "caption_last.pt")


if __name__ == "__main__":
    seed_everything(int(os.environ.get("SEED", 42)))
    main()
