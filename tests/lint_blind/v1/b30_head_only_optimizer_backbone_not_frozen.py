# expect: TVL006
# style: torchvision transfer-learning tutorial ("finetune only the final layer")
# bug: optimizer covers only model.fc while the backbone was never frozen (requires_grad left True), grads computed but ignored
import argparse
import copy

import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset


class ResNetish(nn.Module):
    def __init__(self, num_classes=1000):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 64, 7, 2, 3, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        self.layer1 = nn.Sequential(nn.Conv2d(64, 64, 3, 1, 1), nn.BatchNorm2d(64), nn.ReLU())
        self.layer2 = nn.Sequential(nn.Conv2d(64, 128, 3, 2, 1), nn.BatchNorm2d(128), nn.ReLU())
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(128, num_classes)

    def forward(self, x):
        x = torch.relu(self.bn1(self.conv1(x)))
        x = self.layer2(self.layer1(x))
        return self.fc(torch.flatten(self.avgpool(x), 1))


def train_model(model, dataloaders, criterion, optimizer, num_epochs):
    best_acc, best_wts = 0.0, copy.deepcopy(model.state_dict())
    for epoch in range(num_epochs):
        for phase in ["train", "val"]:
            model.train() if phase == "train" else model.eval()
            corrects = 0
            for inputs, labels in dataloaders[phase]:
                optimizer.zero_grad()
                with torch.set_grad_enabled(phase == "train"):
                    outputs = model(inputs)
                    loss = criterion(outputs, labels)
                    if phase == "train":
                        loss.backward()
                        optimizer.step()
                corrects += (outputs.argmax(1) == labels).sum().item()
            acc = corrects / len(dataloaders[phase].dataset)
            print(f"{epoch} {phase} Acc: {acc:.4f}")
            if phase == "val" and acc > best_acc:
                best_acc, best_wts = acc, copy.deepcopy(model.state_dict())
    model.load_state_dict(best_wts)
    return model


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--num-classes", type=int, default=2)
    args = parser.parse_args()
    model_ft = ResNetish()
    model_ft.fc = nn.Linear(model_ft.fc.in_features, args.num_classes)
    imgs, lbls = torch.randn(300, 3, 64, 64), torch.randint(0, args.num_classes, (300,))
    dataloaders = {
        "train": DataLoader(TensorDataset(imgs[:240], lbls[:240]), batch_size=16, shuffle=True),
        "val": DataLoader(TensorDataset(imgs[240:], lbls[240:]), batch_size=16),
    }
    optimizer_ft = torch.optim.SGD(model_ft.fc.parameters(), lr=0.001, momentum=0.9)
    model_ft = train_model(model_ft, dataloaders, nn.CrossEntropyLoss(), optimizer_ft, args.epochs)
