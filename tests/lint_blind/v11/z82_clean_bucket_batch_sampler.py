# expect: clean
# style: ASR-style length-bucketed training with a custom batch_sampler that shuffles buckets each epoch
# note: utterances are sorted by length and the DataLoader has no shuffle=True, but a custom batch_sampler shuffles batch order (and within-bucket order) every epoch
import random

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils.rnn import pad_sequence
from torch.utils.data import DataLoader, Sampler


class BucketBatchSampler(Sampler):
    def __init__(self, lengths, batch_size, seed=0):
        self.order = sorted(range(len(lengths)), key=lambda i: lengths[i])
        self.bs = batch_size
        self.seed = seed
        self.epoch = 0

    def set_epoch(self, epoch):
        self.epoch = epoch

    def __iter__(self):
        rng = random.Random(self.seed + self.epoch)
        batches = [self.order[i:i + self.bs] for i in range(0, len(self.order), self.bs)]
        for b in batches:
            rng.shuffle(b)
        rng.shuffle(batches)
        return iter(batches)

    def __len__(self):
        return (len(self.order) + self.bs - 1) // self.bs


def make_data(n=2000, dim=80, n_cls=10):
    feats = [torch.randn(int(torch.randint(30, 400, (1,))), dim) for _ in range(n)]
    labels = torch.randint(0, n_cls, (n,)).tolist()
    return list(zip(feats, labels))


def collate(batch):
    return pad_sequence([b[0] for b in batch], batch_first=True), torch.tensor([b[1] for b in batch])


class Classifier(nn.Module):
    def __init__(self, dim=80, h=128, n_cls=10):
        super().__init__()
        self.conv = nn.Conv1d(dim, h, 5, padding=2)
        self.out = nn.Linear(h, n_cls)

    def forward(self, x):
        return self.out(F.relu(self.conv(x.transpose(1, 2))).amax(-1))


if __name__ == "__main__":
    data = make_data()
    sampler = BucketBatchSampler([len(f) for f, _ in data], batch_size=24)
    loader = DataLoader(data, batch_sampler=sampler, collate_fn=collate, num_workers=0)
    model = Classifier()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    for ep in range(5):
        sampler.set_epoch(ep)
        model.train()
        tot = 0.0
        for x, y in loader:
            loss = F.cross_entropy(model(x), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            tot += loss.item()
        print(f"epoch {ep} loss {tot/len(loader):.4f}")
