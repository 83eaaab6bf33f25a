# expect: TVL002
# style: OCR CRNN + CTC training script (deep-text-recognition style)
# bug: the network output is .detach()ed before log_softmax, so ctc_loss has no path back to the CRNN
import argparse

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset


class SyntheticLines(Dataset):
    def __init__(self, n=2000, n_chars=37, max_len=12):
        self.n, self.n_chars, self.max_len = n, n_chars, max_len

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        img = torch.randn(1, 32, 128)
        length = int(torch.randint(3, self.max_len + 1, (1,)))
        label = torch.randint(1, self.n_chars, (length,))
        return img, label


def collate(batch):
    imgs = torch.stack([b[0] for b in batch])
    labels = [b[1] for b in batch]
    lengths = torch.tensor([len(l) for l in labels], dtype=torch.long)
    return imgs, torch.cat(labels), lengths


class CRNN(nn.Module):
    def __init__(self, n_chars=37, hidden=128):
        super().__init__()
        self.cnn = nn.Sequential(
            nn.Conv2d(1, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2, 2),
            nn.Conv2d(64, 128, 3, padding=1), nn.ReLU(), nn.MaxPool2d((2, 1)),
        )
        self.rnn = nn.LSTM(128 * 8, hidden, bidirectional=True, batch_first=True)
        self.cls = nn.Linear(2 * hidden, n_chars)

    def forward(self, x):
        f = self.cnn(x)                              # B, C, H, W
        f = f.permute(0, 3, 1, 2).flatten(2)         # B, W, C*H
        out, _ = self.rnn(f)
        return self.cls(out)                         # B, T, n_chars


def train(args):
    model = CRNN()
    optimizer = torch.optim.Adadelta(model.parameters(), lr=args.lr)
    loader = DataLoader(SyntheticLines(), batch_size=32, shuffle=True, collate_fn=collate)
    ctc = nn.CTCLoss(blank=0, zero_infinity=True)
    for epoch in range(args.epochs):
        model.train()
        for it, (imgs, targets, target_lens) in enumerate(loader):
            preds = model(imgs).detach()
            log_probs = F.log_softmax(preds, dim=2).permute(1, 0, 2)
            input_lens = torch.full((imgs.size(0),), log_probs.size(0), dtype=torch.long)
            loss = ctc(log_probs, targets, input_lens, target_lens)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            if it % 20 == 0:
                print(f"[{epoch}/{it}] ctc {loss.item():.3f}")


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--lr", type=float, default=1.0)
    ap.add_argument("--epochs", type=int, default=3)
    train(ap.parse_args())
