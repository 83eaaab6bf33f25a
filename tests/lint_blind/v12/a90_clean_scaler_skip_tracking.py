# expect: clean
# style: AMP training with a custom overflow monitor around GradScaler (fp16 whisper-like ASR encoder-decoder), step skips detected and logged
# note: the step gate looks like a silent skip, but skips come from GradScaler (scale decreased after update) and a manual non-finite check; both are counted and logged, and unscale_ precedes clipping
import argparse
import logging
import math

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

log = logging.getLogger("asr")


class TinySpeechSeq2Seq(nn.Module):
    def __init__(self, n_mels=80, d=256, vocab=2000):
        super().__init__()
        self.conv = nn.Sequential(nn.Conv1d(n_mels, d, 3, padding=1), nn.GELU(), nn.Conv1d(d, d, 3, stride=2, padding=1), nn.GELU())
        self.tf = nn.Transformer(d, 4, 3, 3, 4 * d, 0.1, batch_first=True)
        self.emb = nn.Embedding(vocab, d)
        self.out = nn.Linear(d, vocab)

    def forward(self, mels, tokens):
        src = self.conv(mels).transpose(1, 2)
        tgt_mask = nn.Transformer.generate_square_subsequent_mask(tokens.size(1), device=tokens.device)
        return self.out(self.tf(src, self.emb(tokens), tgt_mask=tgt_mask))


class OverflowMonitor:
    def __init__(self):
        self.skipped = 0
        self.nonfinite = 0

    def after_update(self, scale_before, scale_after, step):
        if scale_after < scale_before:
            self.skipped += 1
            log.warning("step %d: fp16 overflow, optimizer step skipped, loss scale %.0f -> %.0f (total skipped %d)",
                        step, scale_before, scale_after, self.skipped)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--lr", type=float, default=3e-4)
    ap.add_argument("--clip", type=float, default=1.0)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    use_amp = device == "cuda"

    mels = torch.randn(2000, 80, 300)
    toks = torch.randint(1, 2000, (2000, 41))
    loader = DataLoader(TensorDataset(mels, toks), batch_size=16, shuffle=True, drop_last=True)
    model = TinySpeechSeq2Seq().to(device)
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.01)
    scaler = torch.cuda.amp.GradScaler(enabled=use_amp)
    monitor = OverflowMonitor()
    step = 0

    for epoch in range(args.epochs):
        model.train()
        tot = 0.0
        for m, t in loader:
            m, t = m.to(device), t.to(device)
            with torch.autocast(device_type="cuda", dtype=torch.float16, enabled=use_amp):
                logits = model(m, t[:, :-1])
                loss = F.cross_entropy(logits.reshape(-1, logits.size(-1)).float(), t[:, 1:].reshape(-1))
            opt.zero_grad(set_to_none=True)
            scaler.scale(loss).backward()
            scaler.unscale_(opt)
            gnorm = torch.nn.utils.clip_grad_norm_(model.parameters(), args.clip).item()
            if not use_amp and not math.isfinite(gnorm):
                monitor.nonfinite += 1
                log.warning("step %d: non-finite grad norm in fp32, skipping (count %d)", step, monitor.nonfinite)
            else:
                before = scaler.get_scale()
                scaler.step(opt)
                scaler.update()
                monitor.after_update(before, scaler.get_scale(), step)
            step += 1
            tot += loss.item()
        log.info("epoch %d loss %.4f skipped(fp16)=%d skipped(nonfinite)=%d", epoch, tot / len(loader),
                 monitor.skipped, monitor.nonfinite)
    torch.save({"model": model.state_dict(), "scaler": scaler.state_dict()}, "asr_fp16.pt")


if __name__ == "__main__":
    main()
