# expect: TVL015
# style: speech recognition (CTC) recipe, utterances sorted by duration for padding efficiency
# bug: the training set is sorted by length ("sortagrad") and the train DataLoader is created with shuffle=False and no sampler for every epoch, not only the first, so batches always come in the same short-to-long order
import argparse
import math

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

CHARS = "_ abcdefghijklmnopqrstuvwxyz'"


class LibriLike(Dataset):
    def __init__(self, n, seed=0, sort_by_length=True):
        g = torch.Generator().manual_seed(seed)
        self.frames = torch.randint(100, 1200, (n,), generator=g)
        self.text_len = (self.frames // 12).clamp(min=5)
        order = torch.argsort(self.frames) if sort_by_length else torch.arange(n)
        self.frames, self.text_len = self.frames[order], self.text_len[order]

    def __len__(self):
        return len(self.frames)

    def __getitem__(self, i):
        T, L = int(self.frames[i]), int(self.text_len[i])
        return torch.randn(T, 80), torch.randint(1, len(CHARS), (L,))


def collate(batch):
    feats, labels = zip(*batch)
    fl = torch.tensor([f.size(0) for f in feats])
    ll = torch.tensor([l.size(0) for l in labels])
    return (nn.utils.rnn.pad_sequence(feats, batch_first=True), fl,
            nn.utils.rnn.pad_sequence(labels, batch_first=True), ll)


class BiLSTMCTC(nn.Module):
    def __init__(self, n_mels=80, hidden=320, layers=4, n_tokens=len(CHARS)):
        super().__init__()
        self.sub = nn.Conv1d(n_mels, hidden, 3, stride=2, padding=1)
        self.rnn = nn.LSTM(hidden, hidden, layers, batch_first=True, bidirectional=True, dropout=0.2)
        self.out = nn.Linear(2 * hidden, n_tokens)

    def forward(self, x, lengths):
        x = F.relu(self.sub(x.transpose(1, 2))).transpose(1, 2)
        lengths = (lengths + 1) // 2
        packed = nn.utils.rnn.pack_padded_sequence(x, lengths.cpu(), batch_first=True, enforce_sorted=False)
        h, _ = self.rnn(packed)
        h, _ = nn.utils.rnn.pad_packed_sequence(h, batch_first=True)
        return self.out(h).log_softmax(-1), lengths


def greedy_cer(log_probs, out_lens, labels, label_lens):
    errs = tot = 0
    for lp, n, lab, m in zip(log_probs, out_lens, labels, label_lens):
        best = lp[:n].argmax(-1).tolist()
        hyp = [c for i, c in enumerate(best) if c != 0 and (i == 0 or c != best[i - 1])]
        ref = lab[:m].tolist()
        errs += abs(len(hyp) - len(ref)) + sum(a != b for a, b in zip(hyp, ref))
        tot += len(ref)
    return errs / max(tot, 1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=20)
    ap.add_argument("--bs", type=int, default=16)
    ap.add_argument("--lr", type=float, default=5e-4)
    args = ap.parse_args()
    device = "cuda" if torch.cuda.is_available() else "cpu"

    train_ds = LibriLike(5000)
    dev_ds = LibriLike(300, seed=1)
    # sorted order keeps padding minimal -> shuffling would waste ~40% compute
    train_loader = DataLoader(train_ds, batch_size=args.bs, shuffle=False, collate_fn=collate, num_workers=4)
    dev_loader = DataLoader(dev_ds, batch_size=32, shuffle=False, collate_fn=collate)

    model = BiLSTMCTC().to(device)
    ctc = nn.CTCLoss(blank=0, zero_infinity=True)
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    sched = torch.optim.lr_scheduler.ExponentialLR(opt, gamma=0.9)

    for epoch in range(args.epochs):
        model.train()
        tl = 0.0
        for feats, fl, labels, ll in train_loader:
            feats, labels = feats.to(device), labels.to(device)
            lp, ol = model(feats, fl)
            loss = ctc(lp.transpose(0, 1), labels, ol, ll)
            opt.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 400)
            opt.step()
            tl += loss.item()
        sched.step()
        model.eval()
        cer, nb = 0.0, 0
        with torch.no_grad():
            for feats, fl, labels, ll in dev_loader:
                lp, ol = model(feats.to(device), fl)
                cer += greedy_cer(lp.cpu(), ol, labels, ll)
                nb += 1
        print(f"epoch {epoch} ctc {tl / len(train_loader):.3f} dev_cer {cer / nb:.3f} lr {sched.get_last_lr()[0]:.2e}")
    torch.save(model.state_dict(), f"ctc_bilstm_e{args.epochs}_{int(math.log10(args.lr * 1e5))}.pt")


if __name__ == "__main__":
    main()
