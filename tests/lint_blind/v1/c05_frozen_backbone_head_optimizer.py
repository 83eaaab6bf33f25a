# expect: clean
# style: torchvision transfer-learning tutorial ("ConvNet as fixed feature extractor")
# note: backbone params get requires_grad=False before the optimizer is built over model.fc only - intentional, correct
import argparse

import torch
import torch.nn as nn
from torch.optim import lr_scheduler
from torch.utils.data import DataLoader, TensorDataset


class Backbone(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(3, 64, 3, 2, 1), nn.BatchNorm2d(64), nn.ReLU(),
                                      nn.Conv2d(64, 128, 3, 2, 1), nn.BatchNorm2d(128), nn.ReLU(),
                                      nn.AdaptiveAvgPool2d(1), nn.Flatten())
        self.fc = nn.Linear(128, 1000)

    def forward(self, x):
        return self.fc(self.features(x))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--num-classes", type=int, default=2)
    args = parser.parse_args()

    model_conv = Backbone()
    for param in model_conv.parameters():
        param.requires_grad = False
    model_conv.fc = nn.Linear(model_conv.fc.in_features, args.num_classes)  # new layer: requires_grad=True

    optimizer_conv = torch.optim.SGD(model_conv.fc.parameters(), lr=0.001, momentum=0.9)
    exp_lr_scheduler = lr_scheduler.StepLR(optimizer_conv, step_size=7, gamma=0.1)
    criterion = nn.CrossEntropyLoss()

    imgs, lbls = torch.randn(400, 3, 64, 64), torch.randint(0, args.num_classes, (400,))
    train_loader = DataLoader(TensorDataset(imgs[:320], lbls[:320]), batch_size=16, shuffle=True)
    val_loader = DataLoader(TensorDataset(imgs[320:], lbls[320:]), batch_size=32)

    for epoch in range(args.epochs):
        model_conv.train()
        running_loss = 0.0
        for inputs, labels in train_loader:
            optimizer_conv.zero_grad()
            loss = criterion(model_conv(inputs), labels)
            loss.backward()
            optimizer_conv.step()
            running_loss += loss.item() * inputs.size(0)
        exp_lr_scheduler.step()

        model_conv.eval()
        corrects = 0
        with torch.no_grad():
            for inputs, labels in val_loader:
                corrects += (model_conv(inputs).argmax(1) == labels).sum().item()
        print(f"Epoch {epoch}: loss {running_loss / 320:.4f} val acc {corrects / 80:.4f}")


if __name__ == "__main__":
    main()
