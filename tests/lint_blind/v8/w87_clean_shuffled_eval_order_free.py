# expect: clean
# style: evaluation helper module reused for train/val, scene-text recognition-lite (CTC word accuracy)
# note: the validation DataLoader is built with shuffle=True (looks like TVL017), but every metric is computed per batch from the (prediction, target) pairs the loader yields together, so the order does not matter
import argparse

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

ALPHABET = "-0123456789abcdefghijklmnopqrstuvwxyz"


class WordImages(Dataset):
    def __init__(self, n, seed=0):
        g = torch.Generator().manual_seed(seed)
        self.lengths = torch.randint(3, 10, (n,), generator=g)
        self.labels = [torch.randint(1, len(ALPHABET), (int(l),), generator=g) for l in self.lengths]

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, i):
        return torch.randn(1, 32, 128), self.labels[i]


def collate(batch):
    imgs, labels = zip(*batch)
    lengths = torch.tensor([len(l) for l in labels])
    return torch.stack(imgs), torch.cat(labels), lengths, list(labels)


class CRNN(nn.Module):
    def __init__(self, n_classes=len(ALPHABET)):
        super().__init__()
        self.cnn = nn.Sequential(
            nn.Conv2d(1, 64, 3, 1, 1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(64, 128, 3, 1, 1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(128, 256, 3, 1, 1), nn.BatchNorm2d(256), nn.ReLU(), nn.MaxPool2d((2, 1)),
            nn.Conv2d(256, 256, 3, 1, 1), nn.BatchNorm2d(256), nn.ReLU(), nn.MaxPool2d((4, 1)))
        self.rnn = nn.LSTM(256, 128, bidirectional=True, batch_first=True)
        self.fc = nn.Linear(256, n_classes)

    def forward(self, x):
        f = self.cnn(x).squeeze(2).transpose(1, 2)  # (B, W, C)
        h, _ = self.rnn(f)
        return self.fc(h).log_softmax(-1)


def greedy_decode(log_probs):
    out = []
    for seq in log_probs.argmax(-1).tolist():
        s, prev = [], 0
        for c in seq:
            if c != 0 and c != prev:
                s.append(c)
            prev = c
        out.append(s)
    return out


def make_val_loader(ds):
    # order-free metrics; shuffling gives representative mid-epoch snapshots when --val-batches is set
    return DataLoader(ds, batch_size=64, shuffle=True, collate_fn=collate)


@torch.no_grad()
def evaluate(model, loader, max_batches=None):
    model.eval()
    correct = total = 0
    char_err = char_tot = 0
    for b, (imgs, _, _, label_list) in enumerate(loader):
        if max_batches is not None and b >= max_batches:
            break
        hyps = greedy_decode(model(imgs))
        for hyp, ref in zip(hyps, label_list):
            ref = ref.tolist()
            correct += int(hyp == ref)
            char_err += sum(a != b for a, b in zip(hyp, ref)) + abs(len(hyp) - len(ref))
            char_tot += len(ref)
            total += 1
    return correct / total, char_err / char_tot


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=20)
    ap.add_argument("--val-batches", type=int, default=None)
    args = ap.parse_args()
    train_loader = DataLoader(WordImages(8000), batch_size=32, shuffle=True, collate_fn=collate)
    val_loader = make_val_loader(WordImages(1000, seed=1))
    model = CRNN()
    ctc = nn.CTCLoss(blank=0, zero_infinity=True)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    for epoch in range(args.epochs):
        model.train()
        tot = 0.0
        for imgs, targets, lengths, _ in train_loader:
            lp = model(imgs)
            in_lens = torch.full((imgs.size(0),), lp.size(1), dtype=torch.long)
            loss = ctc(lp.transpose(0, 1), targets, in_lens, lengths)
            opt.zero_grad()
            loss.backward()
            opt.step()
            tot += loss.item()
        word_acc, cer = evaluate(model, val_loader, args.val_batches)
        print(f"epoch {epoch} ctc {tot / len(train_loader):.3f} word_acc {word_acc:.4f} cer {cer:.4f}")
    torch.save(model.state_dict(), "crnn.pt")


if __name__ == "__main__":
    main()
