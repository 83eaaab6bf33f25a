# expect: clean
import torch
import torch.nn as nn


class Wrapper(nn.Module):
    def __init__(self, backbone, n_classes):
        super().__init__()
        self.backbone = backbone
        self.head = nn.Linear(32, n_classes)

    def forward(self, x):
        return self.head(self.backbone(x))


def run(model, batches, opt):
    loss_fn = nn.BCEWithLogitsLoss(pos_weight=torch.tensor([2.0]))
    for x, y in batches:
        preds = model(x)
        loss = loss_fn(preds, y)
        opt.zero_grad()
        loss.backward()
        opt.step()


m = Wrapper(nn.Sequential(nn.Linear(16, 32), nn.ReLU()), 1)
run(m, [(torch.randn(4, 16), torch.rand(4, 1).round())], torch.optim.Adam(m.parameters()))
