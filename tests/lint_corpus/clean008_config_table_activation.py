# expect: clean
"""A multi-label tagger whose output layer and loss are looked up in tables by config keys: the
config picks Identity for the head, so BCEWithLogitsLoss gets logits."""
import torch
import torch.nn as nn

CONFIG = {"features": 40, "labels": 6, "model": {"width": 128, "final": "identity"}, "criterion": "bce"}
FINAL_LAYERS = {"sigmoid": nn.Sigmoid, "identity": nn.Identity}
CRITERIA = {"bce": nn.BCEWithLogitsLoss, "soft_margin": nn.MultiLabelSoftMarginLoss}


def make_tagger(config):
    spec = config["model"]
    return nn.Sequential(
        nn.Linear(config["features"], spec["width"]), nn.GELU(),
        nn.Linear(spec["width"], config["labels"]), FINAL_LAYERS[spec["final"]](),
    )


class Tagger(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.net = make_tagger(config)

    def forward(self, x):
        return self.net(x)


model = Tagger(CONFIG)
loss_fn = CRITERIA[CONFIG["criterion"]]()
opt = torch.optim.Adam(model.parameters(), lr=3e-4)
for it in range(500):
    x, y = torch.randn(64, 40), (torch.rand(64, 6) > 0.7).float()
    loss = loss_fn(model(x), y)
    opt.zero_grad()
    loss.backward()
    opt.step()
