# expect: TVL008
import torch
import torch.nn as nn
import torchvision

backbone = torchvision.models.resnet18(weights="IMAGENET1K_V1")
for p in backbone.parameters():
    p.requires_grad = False
backbone.fc = nn.Sequential(nn.Linear(backbone.fc.in_features, 10), nn.Softmax(dim=1))
optimizer = torch.optim.Adam(backbone.fc.parameters(), lr=1e-3)
criterion = nn.CrossEntropyLoss()
for step in range(100):
    images, labels = torch.randn(8, 3, 224, 224), torch.randint(0, 10, (8,))
    outputs = backbone(images)
    loss = criterion(outputs, labels)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
