# expect: clean
# Keyword spotting: the dataset keeps (clip, label) pairs with the label a long tensor,
# a custom collate stacks the labels as they are, and nll_loss receives class indices.
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset


class Clips(Dataset):
    def __init__(self, n=400):
        self.pairs = []
        for k in range(n):
            wave = torch.randn(1, 16000)
            word = torch.tensor(k % 12, dtype=torch.long)
            self.pairs.append((wave, word))

    def __len__(self):
        return len(self.pairs)

    def __getitem__(self, idx):
        return self.pairs[idx]


def stack_batch(items):
    waves, words = zip(*items)
    return torch.stack(waves), torch.stack(words)


net = nn.Sequential(nn.Conv1d(1, 8, 80, stride=16), nn.ReLU(), nn.AdaptiveAvgPool1d(1), nn.Flatten(), nn.Linear(8, 12))
opt = torch.optim.Adam(net.parameters())
for waves, words in DataLoader(Clips(), batch_size=32, shuffle=True, collate_fn=stack_batch):
    loss = F.nll_loss(F.log_softmax(net(waves), dim=1), words)
    opt.zero_grad()
    loss.backward()
    opt.step()
