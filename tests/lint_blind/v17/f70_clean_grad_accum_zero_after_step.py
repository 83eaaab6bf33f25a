# expect: clean
# style: speech recognition (CTC) with gradient accumulation, step()/zero_grad() only every `accum` micro-batches
# note: gradients are deliberately not cleared every micro-batch (accumulation), but zero_grad() runs right after each optimizer.step(); the running loss is kept as loss.detach() (no graph) and converted with .item() at log time.
import argparse
import math

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

VOCAB = ["<blank>"] + list("abcdefghijklmnopqrstuvwxyz '")


class FakeUtterances(Dataset):
    def __init__(self, n, n_mels=80, seed=0):
        g = torch.Generator().manual_seed(seed)
        self.items = []
        for _ in range(n):
            L = int(torch.randint(5, 30, (1,), generator=g))
            text = torch.randint(1, len(VOCAB), (L,), generator=g)
            T = L * 4 + int(torch.randint(0, 20, (1,), generator=g))
            feats = torch.randn(T, n_mels, generator=g)
            self.items.append((feats, text))

    def __len__(self):
        return len(self.items)

    def __getitem__(self, i):
        return self.items[i]


def collate(batch):
    feats = nn.utils.rnn.pad_sequence([f for f, _ in batch], batch_first=True)
    feat_lens = torch.tensor([len(f) for f, _ in batch])
    targets = torch.cat([t for _, t in batch])
    target_lens = torch.tensor([len(t) for _, t in batch])
    return feats, feat_lens, targets, target_lens


class ConvBiGRU(nn.Module):
    def __init__(self, n_mels=80, hidden=256, n_out=len(VOCAB)):
        super().__init__()
        self.conv = nn.Sequential(nn.Conv1d(n_mels, hidden, 5, stride=2, padding=2), nn.GELU(),
                                  nn.Conv1d(hidden, hidden, 5, stride=1, padding=2), nn.GELU())
        self.rnn = nn.GRU(hidden, hidden, num_layers=3, batch_first=True, bidirectional=True, dropout=0.1)
        self.fc = nn.Linear(2 * hidden, n_out)

    def forward(self, x, lens):
        x = self.conv(x.transpose(1, 2)).transpose(1, 2)
        out, _ = self.rnn(x)
        return self.fc(out).log_softmax(-1), (lens + 1) // 2


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--micro-bs", type=int, default=8)
    ap.add_argument("--accum", type=int, default=4)
    ap.add_argument("--lr", type=float, default=5e-4)
    args = ap.parse_args()
    device = "cuda" if torch.cuda.is_available() else "cpu"
    train_dl = DataLoader(FakeUtterances(2000), batch_size=args.micro_bs, shuffle=True, collate_fn=collate)
    dev_dl = DataLoader(FakeUtterances(200, seed=1), batch_size=32, collate_fn=collate)
    model = ConvBiGRU().to(device)
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr)
    ctc = nn.CTCLoss(blank=0, zero_infinity=True)

    step = 0
    for epoch in range(args.epochs):
        model.train()
        opt.zero_grad(set_to_none=True)
        running = torch.zeros((), device=device)
        for i, (x, xl, y, yl) in enumerate(train_dl):
            logp, out_lens = model(x.to(device), xl.to(device))
            loss = ctc(logp.transpose(0, 1), y.to(device), out_lens, yl.to(device)) / args.accum
            loss.backward()
            running += loss.detach()
            if (i + 1) % args.accum == 0:
                nn.utils.clip_grad_norm_(model.parameters(), 5.0)
                opt.step()
                opt.zero_grad(set_to_none=True)
                step += 1
                if step % 25 == 0:
                    print(f"epoch {epoch} step {step} loss {running.item() * args.accum / (i + 1):.4f}")
        model.eval()
        tot = 0.0
        with torch.no_grad():
            for x, xl, y, yl in dev_dl:
                logp, out_lens = model(x.to(device), xl.to(device))
                tot += ctc(logp.transpose(0, 1), y.to(device), out_lens, yl.to(device)).item()
        print(f"epoch {epoch} dev_ctc {tot / len(dev_dl):.4f} ppl-ish {math.exp(min(tot / len(dev_dl), 20)):.2f}")
    torch.save(model.state_dict(), "ctc_bigru.pt")


if __name__ == "__main__":
    main()
