# expect: clean
# style: torchvision fine-tuning tutorial ("feature extraction" mode with set_parameter_requires_grad)
# note: backbone parameters are frozen (requires_grad=False, BN kept in eval), and the optimizer only receives parameters that still require grad
import argparse

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


def set_parameter_requires_grad(model, feature_extracting):
    if feature_extracting:
        for param in model.parameters():
            param.requires_grad = False


class Backbone(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(3, 64, 3, 2, 1), nn.BatchNorm2d(64), nn.ReLU(),
                                      nn.Conv2d(64, 128, 3, 2, 1), nn.BatchNorm2d(128), nn.ReLU(),
                                      nn.AdaptiveAvgPool2d(1), nn.Flatten())
        self.fc = nn.Linear(128, 1000)

    def forward(self, x):
        return self.fc(self.features(x))


def initialize_model(num_classes, feature_extract=True):
    model = Backbone()
    set_parameter_requires_grad(model, feature_extract)
    model.fc = nn.Linear(model.fc.in_features, num_classes)
    return model


def train_model(model, loader, optimizer, num_epochs):
    for epoch in range(num_epochs):
        model.train()
        model.features.eval()
        running_corrects = 0
        for inputs, labels in loader:
            optimizer.zero_grad()
            outputs = model(inputs)
            loss = F.cross_entropy(outputs, labels)
            loss.backward()
            optimizer.step()
            running_corrects += (outputs.argmax(1) == labels).sum().item()
        print(f"Epoch {epoch}/{num_epochs - 1} Acc: {running_corrects / len(loader.dataset):.4f}")


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--num_classes", type=int, default=2)
    ap.add_argument("--num_epochs", type=int, default=15)
    args = ap.parse_args()
    model_ft = initialize_model(args.num_classes)
    params_to_update = [p for p in model_ft.parameters() if p.requires_grad]
    optimizer_ft = torch.optim.SGD(params_to_update, lr=0.001, momentum=0.9)
    ds = TensorDataset(torch.randn(240, 3, 112, 112), torch.randint(0, args.num_classes, (240,)))
    train_model(model_ft, DataLoader(ds, batch_size=8, shuffle=True), optimizer_ft, args.num_epochs)
