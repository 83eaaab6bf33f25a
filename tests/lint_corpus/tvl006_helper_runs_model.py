# expect: TVL006
import torch
import torch.nn as nn


class SmallVGG(nn.Module):
    def __init__(self, n_cls=5):
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(3, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                                      nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(1))
        self.classifier = nn.Linear(64, n_cls)

    def forward(self, x):
        return self.classifier(self.features(x).flatten(1))


def fit(net, batches, opt, epochs=3):
    # TODO: maybe set requires_grad on the features later
    for _ in range(epochs):
        for img, lbl in batches:
            opt.zero_grad()
            nn.functional.cross_entropy(net(img), lbl).backward()
            opt.step()


vgg = SmallVGG()
head_opt = torch.optim.Adam(vgg.classifier.parameters(), lr=1e-3)
fit(vgg, [(torch.randn(8, 3, 32, 32), torch.randint(0, 5, (8,)))] * 10, head_opt)
