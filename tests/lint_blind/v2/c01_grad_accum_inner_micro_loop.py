# expect: clean
# style: research code with argparse + tqdm (BERT-ish MLM pretraining with gradient accumulation)
# note: backward() in an inner micro-step loop, clip/step/zero_grad once per outer step -- correct accumulation
import argparse

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset
from tqdm import tqdm


class TinyMLM(nn.Module):
    def __init__(self, vocab=8000, d=128, layers=2):
        super().__init__()
        self.emb = nn.Embedding(vocab, d)
        self.enc = nn.TransformerEncoder(nn.TransformerEncoderLayer(d, 4, 4 * d, batch_first=True), layers)
        self.head = nn.Linear(d, vocab)

    def forward(self, ids):
        return self.head(self.enc(self.emb(ids)))


def mask_tokens(ids, mask_id=1, p=0.15):
    labels = ids.clone()
    m = torch.rand(ids.shape) < p
    labels[~m] = -100
    return ids.masked_fill(m, mask_id), labels


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--micro_bs", type=int, default=8)
    ap.add_argument("--accum", type=int, default=4)
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--lr", type=float, default=1e-4)
    args = ap.parse_args()
    model = TinyMLM()
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr)
    loader = DataLoader(TensorDataset(torch.randint(2, 8000, (1024, 64))),
                        batch_size=args.micro_bs * args.accum, shuffle=True, drop_last=True)
    for epoch in range(args.epochs):
        model.train()
        pbar = tqdm(loader)
        for (ids,) in pbar:
            step_loss = 0.0
            for micro in ids.chunk(args.accum):
                inp, labels = mask_tokens(micro)
                logits = model(inp)
                loss = F.cross_entropy(logits.view(-1, logits.size(-1)), labels.view(-1), ignore_index=-100)
                (loss / args.accum).backward()
                step_loss += loss.item() / args.accum
            nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            opt.zero_grad(set_to_none=True)
            pbar.set_postfix(loss=f"{step_loss:.3f}")


if __name__ == "__main__":
    main()
