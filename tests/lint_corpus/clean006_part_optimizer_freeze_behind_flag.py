# expect: clean
# Transfer learning: the encoder is always frozen (--freeze-encoder now only logs it), and the
# optimizer gets the classifier's parameters alone, split for weight decay.
import argparse

import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU())
        self.classifier = nn.Linear(64, 5)

    def forward(self, x):
        return self.classifier(self.encoder(x))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--freeze-encoder", action="store_true")
    args = ap.parse_args()
    net = Net()
    if args.freeze_encoder:
        print("encoder frozen")
    for p in net.encoder.parameters():
        p.requires_grad = False
    weights, biases = [], []
    for _, p in net.classifier.named_parameters():
        if p.ndim == 1:
            biases.append(p)
        else:
            weights.append(p)
    opt = torch.optim.SGD([{"params": weights, "weight_decay": 5e-4}, {"params": biases}], lr=0.01)
    for x, y in [(torch.randn(16, 20), torch.randint(0, 5, (16,)))] * 100:
        loss = nn.functional.cross_entropy(net(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()


main()
