# expect: TVL015
# style: SpeechBrain/ESPnet-ish recipe with a make_loader(dataset, batch_size) helper shared by all splits (sorted-by-duration manifest)
# bug: make_loader never shuffles and passes no sampler, and it is used for the training split too (the manifest is sorted by duration)
import argparse
import logging

import torch
import torch.nn as nn
from torch.nn.utils.rnn import pad_sequence
from torch.utils.data import DataLoader, Dataset

logger = logging.getLogger(__name__)


class ManifestDataset(Dataset):
    def __init__(self, n, n_mels=80, n_classes=10):
        lens = sorted(torch.randint(50, 400, (n,)).tolist())  # manifest sorted by duration
        self.items = [(torch.randn(l, n_mels), int(torch.randint(0, n_classes, ()))) for l in lens]

    def __len__(self):
        return len(self.items)

    def __getitem__(self, i):
        return self.items[i]


def collate(batch):
    feats = pad_sequence([b[0] for b in batch], batch_first=True)
    lens = torch.tensor([b[0].size(0) for b in batch])
    return feats, lens, torch.tensor([b[1] for b in batch])


def make_loader(dataset, batch_size):
    return DataLoader(dataset, batch_size=batch_size, collate_fn=collate, num_workers=2)


class LangID(nn.Module):
    def __init__(self, n_mels=80, hidden=128, n_classes=10):
        super().__init__()
        self.rnn = nn.GRU(n_mels, hidden, batch_first=True, bidirectional=True)
        self.out = nn.Linear(2 * hidden, n_classes)

    def forward(self, feats, lens):
        h, _ = self.rnn(feats)
        mask = (torch.arange(feats.size(1))[None, :] < lens[:, None]).unsqueeze(-1).float()
        return self.out((h * mask).sum(1) / lens[:, None].float())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--batch_size", type=int, default=16)
    ap.add_argument("--number_of_epochs", type=int, default=5)
    hp = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    train_loader = make_loader(ManifestDataset(800), hp.batch_size)
    valid_loader = make_loader(ManifestDataset(100), hp.batch_size)
    model = LangID()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    for epoch in range(1, hp.number_of_epochs + 1):
        model.train()
        for feats, lens, y in train_loader:
            loss = nn.functional.cross_entropy(model(feats, lens), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
        model.eval()
        with torch.no_grad():
            err = sum((model(f, l).argmax(-1) != y).sum().item() for f, l, y in valid_loader) / len(valid_loader.dataset)
        logger.info("epoch %d: train loss %.3f valid error %.3f", epoch, loss.item(), err)


if __name__ == "__main__":
    main()
