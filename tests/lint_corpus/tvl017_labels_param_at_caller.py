# expect: TVL017
"""A scorer object owns the validation loader; one method gathers the model's outputs over it,
another compares them with reference labels it is handed. The caller hands it the dataset's
own label tensor, in dataset order, while the loader shuffles: outputs and labels disagree."""
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset


class Scorer:
    def __init__(self, loader):
        self.loader = loader

    @torch.no_grad()
    def outputs(self, net):
        return torch.cat([net(x).argmax(-1) for x, _ in self.loader])

    def accuracy(self, net, reference):
        got = self.outputs(net)
        hits = sum(int(a == b) for a, b in zip(got.tolist(), reference.tolist()))
        return hits / len(reference)


def main():
    train_set = TensorDataset(torch.randn(3000, 10), torch.randint(0, 4, (3000,)))
    valid_set = TensorDataset(torch.randn(600, 10), torch.randint(0, 4, (600,)))
    net = nn.Linear(10, 4)
    opt = torch.optim.SGD(net.parameters(), lr=0.1)
    scorer = Scorer(DataLoader(valid_set, batch_size=100, shuffle=True))
    for _ in range(4):
        for x, y in DataLoader(train_set, batch_size=50, shuffle=True):
            opt.zero_grad()
            nn.functional.cross_entropy(net(x), y).backward()
            opt.step()
        print(scorer.accuracy(net, valid_set.tensors[1]))


main()
