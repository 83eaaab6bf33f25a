# expect: TVL006
# style: video action-recognition fine-tuning script (torchvision video models flavour), R(2+1)D-like 3D CNN
# bug: the optimizer only holds model.fc parameters but the backbone is never frozen, so backbone gradients are computed every step and silently never applied
import argparse
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset


class SpatioTemporalConv(nn.Sequential):
    def __init__(self, cin, cout, mid):
        super().__init__(
            nn.Conv3d(cin, mid, (1, 3, 3), padding=(0, 1, 1), bias=False), nn.BatchNorm3d(mid), nn.ReLU(inplace=True),
            nn.Conv3d(mid, cout, (3, 1, 1), padding=(1, 0, 0), bias=False), nn.BatchNorm3d(cout), nn.ReLU(inplace=True),
        )


class R2Plus1D(nn.Module):
    def __init__(self, num_classes=400):
        super().__init__()
        self.stem = SpatioTemporalConv(3, 64, 45)
        self.layer1 = SpatioTemporalConv(64, 128, 144)
        self.layer2 = SpatioTemporalConv(128, 256, 288)
        self.pool = nn.AdaptiveAvgPool3d(1)
        self.fc = nn.Linear(256, num_classes)

    def forward(self, x):
        x = self.layer2(self.layer1(self.stem(x)))
        return self.fc(self.pool(x).flatten(1))


def get_args():
    p = argparse.ArgumentParser(description="fine-tune on UCF-like data")
    p.add_argument("--num-classes", type=int, default=51)
    p.add_argument("--epochs", type=int, default=20)
    p.add_argument("--lr", type=float, default=0.01)
    p.add_argument("--batch-size", type=int, default=8)
    return p.parse_args()


def main():
    args = get_args()
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    model = R2Plus1D(num_classes=400)
    model.fc = nn.Linear(model.fc.in_features, args.num_classes)
    model.to(device)

    clips = torch.randn(160, 3, 8, 64, 64)
    labels = torch.randint(0, args.num_classes, (160,))
    train_loader = DataLoader(TensorDataset(clips, labels), batch_size=args.batch_size, shuffle=True)

    criterion = nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(model.fc.parameters(), lr=args.lr, momentum=0.9, weight_decay=1e-4)
    lr_scheduler = torch.optim.lr_scheduler.MultiStepLR(optimizer, milestones=[10, 15], gamma=0.1)

    for epoch in range(args.epochs):
        model.train()
        seen, loss_sum, correct = 0, 0.0, 0
        for video, target in train_loader:
            video, target = video.to(device), target.to(device)
            output = model(video)
            loss = criterion(output, target)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            seen += target.size(0)
            loss_sum += loss.item() * target.size(0)
            correct += (output.argmax(1) == target).sum().item()
        lr_scheduler.step()
        print(f"Epoch {epoch}: loss {loss_sum / seen:.4f} acc@1 {100 * correct / seen:.2f}")


if __name__ == "__main__":
    main()
