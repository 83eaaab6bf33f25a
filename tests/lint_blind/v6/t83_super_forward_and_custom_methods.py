# expect: clean
# style: research repo with subclassed modules, sketch-based image retrieval with an encode() API
# note: `.forward(` appears in the file, but only as super().forward(...) inside a subclass's own forward; training and retrieval code call model(...), model.sketch(...) and the custom method model.encode(...), which calls self.photo(...).
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


class ConvEncoder(nn.Module):
    def __init__(self, in_ch, dim=128):
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv2d(in_ch, 32, 3, 2, 1), nn.BatchNorm2d(32), nn.ReLU(),
            nn.Conv2d(32, 64, 3, 2, 1), nn.BatchNorm2d(64), nn.ReLU(),
            nn.Conv2d(64, dim, 3, 2, 1), nn.AdaptiveAvgPool2d(1), nn.Flatten(),
        )

    def forward(self, x):
        return self.net(x)


class NormalizedEncoder(ConvEncoder):
    """Same encoder, L2-normalised output."""

    def forward(self, x):
        return F.normalize(super().forward(x), dim=-1)


class SketchPhotoModel(nn.Module):
    def __init__(self, dim=128):
        super().__init__()
        self.sketch = NormalizedEncoder(1, dim)
        self.photo = NormalizedEncoder(3, dim)
        self.logit_scale = nn.Parameter(torch.tensor(2.3))

    def forward(self, sketches, photos):
        s, p = self.sketch(sketches), self.photo(photos)
        return self.logit_scale.exp() * s @ p.t()

    @torch.no_grad()
    def encode(self, photos):
        return self.photo(photos)


def retrieval_at_1(model, sketches, photos):
    model.eval()
    with torch.no_grad():
        gallery = model.encode(photos)
        queries = model.sketch(sketches)
        hit = (queries @ gallery.t()).argmax(1).eq(torch.arange(len(photos))).float().mean().item()
    model.train()
    return hit


if __name__ == "__main__":
    sketches = torch.rand(3000, 1, 64, 64)
    photos = torch.rand(3000, 3, 64, 64)
    loader = DataLoader(TensorDataset(sketches[:2700], photos[:2700]), batch_size=96, shuffle=True, drop_last=True)
    model = SketchPhotoModel()
    opt = torch.optim.Adam(model.parameters(), lr=3e-4)
    model.train()
    for epoch in range(10):
        tot = 0.0
        for sk, ph in loader:
            logits = model(sk, ph)
            target = torch.arange(sk.size(0))
            loss = 0.5 * (F.cross_entropy(logits, target) + F.cross_entropy(logits.t(), target))
            opt.zero_grad()
            loss.backward()
            opt.step()
            tot += loss.item()
        r1 = retrieval_at_1(model, sketches[2700:], photos[2700:])
        print(f"epoch {epoch} loss {tot / len(loader):.4f} R@1 {r1:.3f}")
