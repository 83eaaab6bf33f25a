# expect: TVL015
# style: speech-to-intent research script with length-sorted data "for efficient padding"
# bug: the training set is sorted by utterance length and loaded with shuffle=False (no sampler), so batches always come in the same short-to-long order every epoch
import argparse
import logging

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

log = logging.getLogger("s2i")


class Utterances(Dataset):
    def __init__(self, n, n_intents=31, seed=0):
        g = torch.Generator().manual_seed(seed)
        self.data = []
        for _ in range(n):
            T = int(torch.randint(50, 500, (1,), generator=g))
            self.data.append((torch.randn(T, 40, generator=g), int(torch.randint(0, n_intents, (1,), generator=g))))
        self.data.sort(key=lambda d: d[0].size(0))

    def __len__(self):
        return len(self.data)

    def __getitem__(self, i):
        return self.data[i]


def pad_collate(batch):
    feats, labels = zip(*batch)
    lens = torch.tensor([f.size(0) for f in feats])
    return nn.utils.rnn.pad_sequence(feats, batch_first=True), lens, torch.tensor(labels)


class IntentNet(nn.Module):
    def __init__(self, n_intents=31, h=128):
        super().__init__()
        self.conv = nn.Sequential(nn.Conv1d(40, h, 5, stride=2, padding=2), nn.ReLU(),
                                  nn.Conv1d(h, h, 5, stride=2, padding=2), nn.ReLU())
        self.gru = nn.GRU(h, h, batch_first=True, bidirectional=True)
        self.out = nn.Linear(2 * h, n_intents)

    def forward(self, x, lens):
        h = self.conv(x.transpose(1, 2)).transpose(1, 2)
        lens = ((lens + 3) // 4).clamp(max=h.size(1))
        packed = nn.utils.rnn.pack_padded_sequence(h, lens.cpu(), batch_first=True, enforce_sorted=False)
        _, hn = self.gru(packed)
        return self.out(torch.cat([hn[0], hn[1]], -1))


def evaluate(model, loader):
    model.eval()
    c = n = 0
    with torch.no_grad():
        for x, lens, y in loader:
            c += (model(x, lens).argmax(1) == y).sum().item()
            n += len(y)
    model.train()
    return c / n


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=20)
    ap.add_argument("--bs", type=int, default=32)
    ap.add_argument("--lr", type=float, default=1e-3)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    train_loader = DataLoader(Utterances(3000), batch_size=args.bs, shuffle=False, collate_fn=pad_collate)
    test_loader = DataLoader(Utterances(500, seed=1), batch_size=64, shuffle=False, collate_fn=pad_collate)
    model = IntentNet()
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    sched = torch.optim.lr_scheduler.ExponentialLR(opt, gamma=0.95)
    for epoch in range(args.epochs):
        model.train()
        tot = 0.0
        for x, lens, y in train_loader:
            loss = F.cross_entropy(model(x, lens), y)
            opt.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 5.0)
            opt.step()
            tot += loss.item()
        sched.step()
        log.info("epoch %d loss %.4f test acc %.4f lr %.2e", epoch, tot / len(train_loader),
                 evaluate(model, test_loader), sched.get_last_lr()[0])
    torch.save(model.state_dict(), "intent_net.pt")


if __name__ == "__main__":
    main()
