# expect: TVL013
# style: perceptual-loss super-resolution; a frozen feature network captures intermediate activations with forward hooks
# bug: FeatureCritic.features() calls self.body.forward(x) directly, so the forward hook registered on self.body itself (capturing the final feature map) never fires and the deepest feature-matching term is silently dropped
import argparse
import os

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


class SRNet(nn.Module):
    def __init__(self, ch=64, n_res=4, scale=2):
        super().__init__()
        self.head = nn.Conv2d(3, ch, 3, padding=1)
        self.res = nn.Sequential(*[nn.Sequential(nn.Conv2d(ch, ch, 3, padding=1), nn.ReLU(), nn.Conv2d(ch, ch, 3, padding=1))
                                   for _ in range(n_res)])
        self.up = nn.Sequential(nn.Conv2d(ch, ch * scale * scale, 3, padding=1), nn.PixelShuffle(scale))
        self.tail = nn.Conv2d(ch, 3, 3, padding=1)

    def forward(self, x):
        h = self.head(x)
        h = h + self.res(h)
        return self.tail(self.up(h)) + F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=False)


class FeatureCritic(nn.Module):
    """Fixed conv stack used as a perceptual feature extractor; activations are captured through hooks."""

    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(3, 32, 3, 1, 1), nn.LeakyReLU(0.2),
            nn.Conv2d(32, 64, 3, 2, 1), nn.LeakyReLU(0.2),
            nn.Conv2d(64, 128, 3, 2, 1), nn.LeakyReLU(0.2),
        )
        self._captured = {}
        self._handle = self.body.register_forward_hook(self._capture_output)
        for idx in (1, 3):
            self.body[idx].register_forward_hook(self._make_hook(f"stage{idx}"))

    def _capture_output(self, module, inp, out):
        self._captured["final"] = out

    def _make_hook(self, name):
        def hook(module, inp, out):
            self._captured[name] = out
        return hook

    def features(self, x):
        self._captured = {}
        self.body.forward(x)
        return [self._captured.get(k) for k in ("stage1", "stage3", "final")]


def feature_matching(critic, sr, hr):
    f_sr = critic.features(sr)
    f_hr = critic.features(hr)
    loss = sr.new_zeros(())
    for a, b in zip(f_sr, f_hr):
        if a is not None and b is not None:
            loss = loss + F.l1_loss(a, b.detach())
    return loss


def psnr(a, b):
    return 10 * torch.log10(1.0 / F.mse_loss(a.clamp(0, 1), b.clamp(0, 1)))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=20)
    ap.add_argument("--lambda-feat", type=float, default=0.1)
    ap.add_argument("--out", default="sr_out")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    torch.manual_seed(0)

    hr = torch.rand(2000, 3, 64, 64)
    lr_imgs = F.avg_pool2d(hr, 2)
    train_dl = DataLoader(TensorDataset(lr_imgs[:1800], hr[:1800]), batch_size=16, shuffle=True)
    val_dl = DataLoader(TensorDataset(lr_imgs[1800:], hr[1800:]), batch_size=50)

    net = SRNet()
    critic = FeatureCritic()
    critic.requires_grad_(False)  # fixed random-feature perceptual net
    critic.eval()
    opt = torch.optim.Adam(net.parameters(), lr=2e-4)
    for epoch in range(args.epochs):
        net.train()
        for lr_b, hr_b in train_dl:
            sr = net(lr_b)
            pix = F.l1_loss(sr, hr_b)
            feat = feature_matching(critic, sr, hr_b)
            loss = pix + args.lambda_feat * feat
            opt.zero_grad()
            loss.backward()
            opt.step()
        net.eval()
        with torch.no_grad():
            scores = [psnr(net(a), b).item() for a, b in val_dl]
        print(f"epoch {epoch} pix {pix.item():.4f} feat {float(feat):.4f} val_psnr {sum(scores) / len(scores):.2f}")
    torch.save(net.state_dict(), os.path.join(args.out, "sr.pt"))


if __name__ == "__main__":
    main()
