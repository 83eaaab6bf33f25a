# expect: TVL004,TVL012
# style: Kaggle notebook (one big training cell: train + validation per epoch)
# bug: model.eval() for validation but never model.train() in the epoch loop; epoch_loss += loss accumulates tensors
import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

EPOCHS, BATCH, LR = 12, 64, 5e-4
device = "cuda" if torch.cuda.is_available() else "cpu"


class EmotionCNN(nn.Module):
    def __init__(self, n_classes=7):
        super().__init__()
        self.block1 = nn.Sequential(nn.Conv2d(1, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2))
        self.block2 = nn.Sequential(nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2))
        self.drop = nn.Dropout(0.4)
        self.fc = nn.Linear(64 * 12 * 12, n_classes)

    def forward(self, x):
        x = self.block2(self.block1(x))
        return self.fc(self.drop(x.flatten(1)))


X = torch.randn(3000, 1, 48, 48)
y = torch.randint(0, 7, (3000,))
train_loader = DataLoader(TensorDataset(X[:2500], y[:2500]), batch_size=BATCH, shuffle=True)
val_loader = DataLoader(TensorDataset(X[2500:], y[2500:]), batch_size=BATCH)

model = EmotionCNN().to(device)
criterion = nn.CrossEntropyLoss()
optimizer = torch.optim.Adam(model.parameters(), lr=LR)
best_acc = 0.0

for epoch in range(EPOCHS):
    epoch_loss = 0
    for images, labels in train_loader:
        images, labels = images.to(device), labels.to(device)
        optimizer.zero_grad()
        outputs = model(images)
        loss = criterion(outputs, labels)
        loss.backward()
        optimizer.step()
        epoch_loss += loss

    model.eval()
    correct, total = 0, 0
    with torch.no_grad():
        for images, labels in val_loader:
            images, labels = images.to(device), labels.to(device)
            preds = model(images).argmax(1)
            correct += (preds == labels).sum().item()
            total += labels.size(0)
    val_acc = correct / total
    print(f"Epoch {epoch + 1}/{EPOCHS}  loss {epoch_loss / len(train_loader):.4f}  val_acc {val_acc:.4f}")
    if val_acc > best_acc:
        best_acc = val_acc
        torch.save(model.state_dict(), "best_emotion_cnn.pth")
print("best", np.round(best_acc, 4))
