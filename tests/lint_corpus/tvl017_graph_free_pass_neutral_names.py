# expect: TVL017
"""Nothing in the names says "validation": a scorer is built over a second dataset, and its
gradient-free pass gathers probabilities over a shuffled loader, then scores them against the
dataset's own targets in stored order. Every probability meets another sample's target."""
import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset
from sklearn.metrics import roc_auc_score


class Scorer:
    def __init__(self, data, batch_size=256):
        self.data = data
        self.batches = DataLoader(data, batch_size=batch_size, shuffle=True)

    @torch.inference_mode()
    def __call__(self, model):
        out = []
        for x, _ in self.batches:
            out.append(torch.sigmoid(model(x)).squeeze(1).numpy())
        return roc_auc_score(self.data.tensors[1].numpy(), np.concatenate(out))


def main():
    seen = TensorDataset(torch.randn(2048, 8), (torch.rand(2048) > 0.5).float())
    unseen = TensorDataset(torch.randn(512, 8), (torch.rand(512) > 0.5).float())
    model = nn.Linear(8, 1)
    opt = torch.optim.Adam(model.parameters())
    scorer = Scorer(unseen)
    for _ in range(3):
        for x, y in DataLoader(seen, batch_size=64, shuffle=True):
            opt.zero_grad()
            nn.functional.binary_cross_entropy_with_logits(model(x).squeeze(1), y).backward()
            opt.step()
        print(scorer(model))


main()
