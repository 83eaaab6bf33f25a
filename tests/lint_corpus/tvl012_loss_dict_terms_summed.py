# expect: TVL012
"""A detector returns a dict of loss terms; the step backpropagates their sum and keeps a
per-term running total for the epoch report by adding each term itself, so every batch's
graph stays referenced until the epoch ends."""
import torch
from torch import nn


class TinyDetector(nn.Module):
    def __init__(self):
        super().__init__()
        self.backbone = nn.Conv2d(3, 8, 3)
        self.cls = nn.Linear(8, 4)
        self.box = nn.Linear(8, 4)

    def forward(self, images, labels, boxes):
        f = self.backbone(images).mean((2, 3))
        return {"cls": nn.functional.cross_entropy(self.cls(f), labels),
                "box": nn.functional.l1_loss(self.box(f), boxes)}


det = TinyDetector()
opt = torch.optim.SGD(det.parameters(), lr=0.01, momentum=0.9)
data = [(torch.randn(4, 3, 64, 64), torch.randint(0, 4, (4,)), torch.rand(4, 4)) for _ in range(20)]
for epoch in range(3):
    totals = {"cls": 0.0, "box": 0.0}
    for images, labels, boxes in data:
        parts = det(images, labels, boxes)
        total = sum(parts.values())
        opt.zero_grad()
        total.backward()
        opt.step()
        for term, value in parts.items():
            totals[term] += value
    print(epoch, {k: round(float(v) / len(data), 4) for k, v in totals.items()})
