# expect: TVL011
# style: research code with argparse + tqdm + wandb-style logging (image classifier, "spike guard" on the gradient norm)
# bug: optimizer.step() is skipped whenever the gradient norm exceeds --skip-threshold, and the skip is neither counted nor logged
import argparse
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset
from tqdm import tqdm


def get_args():
    p = argparse.ArgumentParser()
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--clip", type=float, default=1.0)
    p.add_argument("--skip-threshold", type=float, default=50.0, help="skip updates with larger grad norm")
    return p.parse_args()


class SmallResNet(nn.Module):
    def __init__(self, n_cls=10, c=32):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, c, 3, padding=1), nn.BatchNorm2d(c), nn.ReLU())
        self.block = nn.Sequential(nn.Conv2d(c, c, 3, padding=1), nn.BatchNorm2d(c), nn.ReLU(), nn.Conv2d(c, c, 3, padding=1), nn.BatchNorm2d(c))
        self.fc = nn.Linear(c, n_cls)

    def forward(self, x):
        h = self.stem(x)
        h = torch.relu(h + self.block(h))
        return self.fc(h.mean((2, 3)))


def main():
    args = get_args()
    model = SmallResNet()
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.05)
    ds = TensorDataset(torch.randn(2048, 3, 32, 32), torch.randint(0, 10, (2048,)))
    loader = DataLoader(ds, batch_size=64, shuffle=True, num_workers=2, drop_last=True)
    history = []
    for epoch in range(args.epochs):
        model.train()
        pbar = tqdm(loader, desc=f"ep{epoch}")
        for x, y in pbar:
            loss = nn.functional.cross_entropy(model(x), y)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            gnorm = torch.nn.utils.clip_grad_norm_(model.parameters(), args.clip)
            if gnorm.item() < args.skip_threshold:
                opt.step()
            pbar.set_postfix(loss=loss.item(), gnorm=gnorm.item())
        history.append({"epoch": epoch, "loss": loss.item()})
        print(history[-1])


if __name__ == "__main__":
    main()
