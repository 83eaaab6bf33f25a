# expect: TVL016
# style: HF run_summarization_no_trainer-like loop with native AMP and a clip_gradients() utility (seq2seq GRU)
# bug: clip_gradients() runs clip_grad_norm_ on the still-scaled gradients; scaler.unscale_() is never called before clipping, so max_grad_norm is applied to scaled values
import argparse
import logging

import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

logger = logging.getLogger(__name__)


def clip_gradients(model, max_norm):
    return torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)


class Seq2Seq(nn.Module):
    def __init__(self, vocab=8000, d=256):
        super().__init__()
        self.emb = nn.Embedding(vocab, d)
        self.enc = nn.GRU(d, d, batch_first=True)
        self.dec = nn.GRU(d, d, batch_first=True)
        self.lm_head = nn.Linear(d, vocab)

    def forward(self, src, tgt_in):
        _, h = self.enc(self.emb(src))
        out, _ = self.dec(self.emb(tgt_in), h)
        return self.lm_head(out)


def train_epoch(model, loader, optimizer, scaler, args, device):
    model.train()
    for step, (src, tgt) in enumerate(loader):
        src, tgt = src.to(device), tgt.to(device)
        with torch.autocast(device_type="cuda", dtype=torch.float16, enabled=args.fp16):
            logits = model(src, tgt[:, :-1])
            loss = nn.functional.cross_entropy(logits.reshape(-1, logits.size(-1)), tgt[:, 1:].reshape(-1), ignore_index=0)
        optimizer.zero_grad()
        scaler.scale(loss).backward()
        gnorm = clip_gradients(model, args.max_grad_norm)
        scaler.step(optimizer)
        scaler.update()
        if step % args.logging_steps == 0:
            logger.info("step %d loss %.4f grad_norm %.3f scale %.0f", step, loss.item(), gnorm, scaler.get_scale())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--fp16", action="store_true")
    ap.add_argument("--max_grad_norm", type=float, default=1.0)
    ap.add_argument("--num_train_epochs", type=int, default=3)
    ap.add_argument("--logging_steps", type=int, default=50)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    src = torch.randint(1, 8000, (4000, 40))
    tgt = torch.randint(1, 8000, (4000, 16))
    loader = DataLoader(TensorDataset(src, tgt), batch_size=32, shuffle=True)
    model = Seq2Seq().to(device)
    optimizer = torch.optim.AdamW(model.parameters(), lr=5e-4)
    scaler = torch.cuda.amp.GradScaler(enabled=args.fp16)
    for epoch in range(args.num_train_epochs):
        train_epoch(model, loader, optimizer, scaler, args, device)


if __name__ == "__main__":
    main()
