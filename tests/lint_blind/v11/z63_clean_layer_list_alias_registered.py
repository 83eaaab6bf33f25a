# expect: clean
# style: U-Net-ish model that keeps a plain Python list of skip-connection layer references for convenience
# note: `self._skip_layers` is a plain list of modules, but every element is also registered through `self.down` (nn.ModuleList), so all parameters are tracked; the list is only an alias
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


def conv_block(i, o):
    return nn.Sequential(nn.Conv2d(i, o, 3, padding=1), nn.GroupNorm(8, o), nn.SiLU(),
                         nn.Conv2d(o, o, 3, padding=1), nn.GroupNorm(8, o), nn.SiLU())


class UNet(nn.Module):
    def __init__(self, chans=(32, 64, 128), in_ch=1, out_ch=1):
        super().__init__()
        self.down = nn.ModuleList()
        c_prev = in_ch
        for c in chans:
            self.down.append(conv_block(c_prev, c))
            c_prev = c
        self.up = nn.ModuleList()
        self.up_conv = nn.ModuleList()
        for c in reversed(chans[:-1]):
            self.up.append(nn.ConvTranspose2d(c_prev, c, 2, stride=2))
            self.up_conv.append(conv_block(2 * c, c))
            c_prev = c
        self.out = nn.Conv2d(c_prev, out_ch, 1)
        # convenience alias used by the feature visualiser; modules are registered above
        self._skip_layers = [blk for blk in self.down[:-1]]

    def forward(self, x):
        skips = []
        for i, blk in enumerate(self.down):
            x = blk(x)
            if blk in self._skip_layers:
                skips.append(x)
                x = F.max_pool2d(x, 2)
        for up, conv, s in zip(self.up, self.up_conv, reversed(skips)):
            x = conv(torch.cat([up(x), s], 1))
        return self.out(x)


def denoise_batch(clean, sigma=0.2):
    return clean + sigma * torch.randn_like(clean), clean


def main():
    imgs = torch.rand(512, 1, 64, 64)
    loader = DataLoader(TensorDataset(imgs), batch_size=16, shuffle=True)
    model = UNet()
    n_params = sum(p.numel() for p in model.parameters())
    print(f"UNet with {n_params/1e6:.2f}M params")
    opt = torch.optim.AdamW(model.parameters(), lr=2e-4)
    for ep in range(5):
        model.train()
        psnrs = []
        for (clean,) in loader:
            noisy, target = denoise_batch(clean)
            pred = model(noisy)
            loss = F.l1_loss(pred, target)
            opt.zero_grad()
            loss.backward()
            opt.step()
            mse = F.mse_loss(pred.detach().clamp(0, 1), target).item()
            psnrs.append(10 * torch.log10(torch.tensor(1.0 / max(mse, 1e-10))).item())
        print(f"epoch {ep} l1 {loss.item():.4f} psnr {sum(psnrs)/len(psnrs):.2f}dB")


if __name__ == "__main__":
    main()
