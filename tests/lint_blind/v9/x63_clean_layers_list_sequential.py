# expect: clean
# style: config-driven MLP/CNN builder with temporary Python lists and registered buffers (tabular + image)
# note: layers are collected in plain Python lists but wrapped in nn.Sequential / nn.ModuleList before being stored; the running statistics are register_buffer'ed (not meant to be learned), and self.layer_names is a list of strings.
import logging

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

log = logging.getLogger("builder")

MODEL_CFG = {
    "tabular": {"in": 32, "hidden": [256, 128, 64], "dropout": 0.1},
    "image": {"channels": [3, 32, 64], "kernel": 3},
    "num_classes": 10,
}


class InputNormalizer(nn.Module):
    def __init__(self, d, momentum=0.01):
        super().__init__()
        self.register_buffer("mean", torch.zeros(d))
        self.register_buffer("var", torch.ones(d))
        self.momentum = momentum

    def forward(self, x):
        if self.training:
            with torch.no_grad():
                self.mean.lerp_(x.mean(0), self.momentum)
                self.var.lerp_(x.var(0, unbiased=False), self.momentum)
        return (x - self.mean) / (self.var + 1e-5).sqrt()


class HybridNet(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        t = cfg["tabular"]
        layers, d = [], t["in"]
        for h in t["hidden"]:
            layers += [nn.Linear(d, h), nn.ReLU(), nn.Dropout(t["dropout"])]
            d = h
        self.tab = nn.Sequential(InputNormalizer(t["in"]), *layers)

        convs = []
        chans = cfg["image"]["channels"]
        for a, b in zip(chans[:-1], chans[1:]):
            convs.append(nn.Sequential(nn.Conv2d(a, b, cfg["image"]["kernel"], padding=1), nn.BatchNorm2d(b), nn.ReLU(), nn.MaxPool2d(2)))
        self.convs = nn.ModuleList(convs)
        self.layer_names = [f"conv{i}" for i in range(len(convs))]
        self.head = nn.Linear(d + chans[-1], cfg["num_classes"])

    def forward(self, tab, img):
        h = img
        for conv in self.convs:
            h = conv(h)
        return self.head(torch.cat([self.tab(tab), h.mean((2, 3))], 1))


def main(epochs=5):
    logging.basicConfig(level=logging.INFO)
    model = HybridNet(MODEL_CFG)
    log.info("layers: %s, params: %d", model.layer_names, sum(p.numel() for p in model.parameters()))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    ds = TensorDataset(torch.randn(2000, 32) * 5 + 2, torch.randn(2000, 3, 32, 32), torch.randint(0, 10, (2000,)))
    dl = DataLoader(ds, batch_size=64, shuffle=True)
    for epoch in range(epochs):
        model.train()
        tot = 0.0
        for tab, img, y in dl:
            opt.zero_grad()
            loss = F.cross_entropy(model(tab, img), y)
            loss.backward()
            opt.step()
            tot += loss.item()
        log.info("epoch %d loss %.4f", epoch, tot / len(dl))
    torch.save(model.state_dict(), "hybrid.pt")


if __name__ == "__main__":
    main()
