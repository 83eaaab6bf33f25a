# expect: TVL012
# style: beginner PyTorch script, fashion-item classifier MLP
# bug: running_loss += loss adds the loss tensor itself, so each iteration's autograd graph is chained onto the accumulator and kept alive for the whole epoch
import time

import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

torch.manual_seed(1)
device = "cuda" if torch.cuda.is_available() else "cpu"

classes = ["T-shirt", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Boot"]

# synthetic 28x28 "images" with a class-dependent pattern
N_TRAIN, N_TEST = 12000, 2000
def make_split(n, seed):
    g = torch.Generator().manual_seed(seed)
    y = torch.randint(0, 10, (n,), generator=g)
    x = torch.rand(n, 28 * 28, generator=g) * 0.3
    idx = (y[:, None] * 70 + torch.arange(60)[None]) % 784
    x.scatter_add_(1, idx, torch.full((n, 60), 0.7))
    return x, y


x_train, y_train = make_split(N_TRAIN, 0)
x_test, y_test = make_split(N_TEST, 1)
trainloader = DataLoader(TensorDataset(x_train, y_train), batch_size=100, shuffle=True)
testloader = DataLoader(TensorDataset(x_test, y_test), batch_size=500, shuffle=False)


class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(784, 512)
        self.bn1 = nn.BatchNorm1d(512)
        self.fc2 = nn.Linear(512, 256)
        self.bn2 = nn.BatchNorm1d(256)
        self.fc3 = nn.Linear(256, 10)
        self.drop = nn.Dropout(0.2)
        self.act = nn.ReLU()

    def forward(self, x):
        x = self.drop(self.act(self.bn1(self.fc1(x))))
        x = self.drop(self.act(self.bn2(self.fc2(x))))
        return self.fc3(x)


model = MLP().to(device)
criterion = nn.CrossEntropyLoss()
optimizer = torch.optim.Adam(model.parameters(), lr=0.001)

epochs = 15
train_losses, test_losses = [], []
for e in range(epochs):
    start = time.time()
    model.train()
    running_loss = 0
    for images, labels in trainloader:
        images, labels = images.to(device), labels.to(device)
        optimizer.zero_grad()
        log_ps = model(images)
        loss = criterion(log_ps, labels)
        loss.backward()
        optimizer.step()
        running_loss += loss

    test_loss = 0
    accuracy = 0
    model.eval()
    with torch.no_grad():
        for images, labels in testloader:
            images, labels = images.to(device), labels.to(device)
            out = model(images)
            test_loss += criterion(out, labels)
            top_class = out.argmax(dim=1)
            accuracy += (top_class == labels).float().mean()

    train_losses.append(float(running_loss) / len(trainloader))
    test_losses.append(float(test_loss) / len(testloader))
    print("Epoch: {}/{}.. ".format(e + 1, epochs),
          "Training Loss: {:.3f}.. ".format(train_losses[-1]),
          "Test Loss: {:.3f}.. ".format(test_losses[-1]),
          "Test Accuracy: {:.3f}".format(float(accuracy) / len(testloader)),
          "({:.1f}s)".format(time.time() - start))

# per-class accuracy
class_correct = [0] * 10
class_total = [0] * 10
model.eval()
with torch.no_grad():
    for images, labels in testloader:
        pred = model(images.to(device)).argmax(1).cpu()
        for lab, p in zip(labels.tolist(), pred.tolist()):
            class_correct[lab] += int(lab == p)
            class_total[lab] += 1
for i, name in enumerate(classes):
    print(f"{name:>10s}: {100 * class_correct[i] / max(class_total[i], 1):.1f}%")
torch.save(model.state_dict(), "fashion_mlp.pth")
