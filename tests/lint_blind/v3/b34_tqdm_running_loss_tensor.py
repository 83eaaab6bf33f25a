# expect: TVL012
# style: research script with argparse + tqdm + wandb (U-Net denoiser, running loss shown in the progress bar)
# bug: running_loss += loss accumulates the loss tensor itself across iterations, keeping every iteration's graph alive for the whole epoch
import argparse
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset
from tqdm import tqdm

try:
    import wandb
except ImportError:  # pragma: no cover
    wandb = None


class DoubleConv(nn.Sequential):
    def __init__(self, cin, cout):
        super().__init__(nn.Conv2d(cin, cout, 3, padding=1), nn.GroupNorm(8, cout), nn.SiLU(),
                         nn.Conv2d(cout, cout, 3, padding=1), nn.GroupNorm(8, cout), nn.SiLU())


class TinyUNet(nn.Module):
    def __init__(self, c=32):
        super().__init__()
        self.down = DoubleConv(3, c)
        self.mid = DoubleConv(c, 2 * c)
        self.up = DoubleConv(3 * c, c)
        self.out = nn.Conv2d(c, 3, 1)

    def forward(self, x):
        d = self.down(x)
        m = self.mid(nn.functional.max_pool2d(d, 2))
        u = nn.functional.interpolate(m, scale_factor=2, mode="nearest")
        return self.out(self.up(torch.cat([u, d], 1)))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--sigma", type=float, default=0.1)
    ap.add_argument("--wandb", action="store_true")
    args = ap.parse_args()
    if args.wandb and wandb is not None:
        wandb.init(project="denoise", config=vars(args))
    clean = torch.rand(512, 3, 64, 64)
    loader = DataLoader(TensorDataset(clean), batch_size=16, shuffle=True)
    model = TinyUNet()
    opt = torch.optim.Adam(model.parameters(), lr=2e-4)
    for epoch in range(args.epochs):
        model.train()
        running_loss = 0.0
        pbar = tqdm(enumerate(loader), total=len(loader))
        for i, (img,) in pbar:
            noisy = img + args.sigma * torch.randn_like(img)
            loss = nn.functional.l1_loss(model(noisy), img)
            opt.zero_grad()
            loss.backward()
            opt.step()
            running_loss += loss
            pbar.set_description(f"epoch {epoch} loss {float(running_loss) / (i + 1):.4f}")
        if args.wandb and wandb is not None:
            wandb.log({"epoch": epoch, "train/l1": float(running_loss) / len(loader)})


if __name__ == "__main__":
    main()
