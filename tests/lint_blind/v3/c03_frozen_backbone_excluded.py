# expect: clean
# style: timm/torchvision transfer-learning script (freeze backbone with requires_grad_(False), optimizer over trainable params only)
# note: the backbone is explicitly frozen and kept in eval mode (BN stats fixed), and the optimizer is built from the parameters that still require grad
import argparse
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset


class FeatureExtractorClassifier(nn.Module):
    def __init__(self, num_classes):
        super().__init__()
        self.backbone = nn.Sequential(nn.Conv2d(3, 64, 3, 2, 1), nn.BatchNorm2d(64), nn.ReLU(),
                                      nn.Conv2d(64, 128, 3, 2, 1), nn.BatchNorm2d(128), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten())
        self.head = nn.Sequential(nn.Dropout(0.2), nn.Linear(128, num_classes))

    def freeze_backbone(self):
        self.backbone.requires_grad_(False)

    def train(self, mode=True):
        super().train(mode)
        self.backbone.eval()  # frozen BN layers stay in inference mode
        return self

    def forward(self, x):
        return self.head(self.backbone(x))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--num-classes", type=int, default=37)
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--lr", type=float, default=1e-3)
    args = ap.parse_args()
    model = FeatureExtractorClassifier(args.num_classes)
    model.freeze_backbone()
    trainable = [p for p in model.parameters() if p.requires_grad]
    print(f"trainable params: {sum(p.numel() for p in trainable)} / {sum(p.numel() for p in model.parameters())}")
    optimizer = torch.optim.Adam(trainable, lr=args.lr)
    loader = DataLoader(TensorDataset(torch.randn(740, 3, 64, 64), torch.randint(0, args.num_classes, (740,))), batch_size=32, shuffle=True)
    for epoch in range(args.epochs):
        model.train()
        seen, loss_sum = 0, 0.0
        for x, y in loader:
            loss = nn.functional.cross_entropy(model(x), y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            seen += x.size(0)
            loss_sum += loss.item() * x.size(0)
        print(f"epoch {epoch}: loss {loss_sum / seen:.4f}")


if __name__ == "__main__":
    main()
