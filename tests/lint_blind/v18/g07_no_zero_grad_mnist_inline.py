# expect: TVL003
# style: course-project notebook export, MLP on synthetic MNIST-like digits
# bug: the loop calls loss.backward() and optimizer.step() every batch but never clears gradients, so they accumulate across the whole run.
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset, random_split

torch.manual_seed(0)

# Synthetic 28x28 "digits": class-dependent bright stripe + noise
N = 6000
labels = torch.randint(0, 10, (N,))
imgs = 0.2 * torch.rand(N, 1, 28, 28)
for i in range(N):
    r = 2 + 2 * labels[i].item()
    imgs[i, 0, r:r + 2, :] += 0.8

full = TensorDataset(imgs, labels)
train_set, val_set = random_split(full, [5000, 1000], generator=torch.Generator().manual_seed(1))
train_loader = DataLoader(train_set, batch_size=64, shuffle=True)
val_loader = DataLoader(val_set, batch_size=256, shuffle=False)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.flatten = nn.Flatten()
        self.fc1 = nn.Linear(28 * 28, 256)
        self.fc2 = nn.Linear(256, 128)
        self.fc3 = nn.Linear(128, 10)
        self.act = nn.ReLU()
        self.drop = nn.Dropout(0.2)

    def forward(self, x):
        x = self.flatten(x)
        x = self.drop(self.act(self.fc1(x)))
        x = self.drop(self.act(self.fc2(x)))
        return self.fc3(x)


model = Net()
criterion = nn.CrossEntropyLoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)

train_losses, val_accs = [], []
num_epochs = 8

for epoch in range(num_epochs):
    model.train()
    running_loss = 0.0
    for batch_idx, (data, target) in enumerate(train_loader):
        output = model(data)
        loss = criterion(output, target)
        loss.backward()
        optimizer.step()

        running_loss += loss.item()
        if batch_idx % 20 == 0:
            print(f"Epoch {epoch} [{batch_idx * len(data)}/{len(train_loader.dataset)}] loss: {loss.item():.4f}")
    train_losses.append(running_loss / len(train_loader))

    model.eval()
    correct = 0
    with torch.no_grad():
        for data, target in val_loader:
            pred = model(data).argmax(dim=1)
            correct += pred.eq(target).sum().item()
    acc = 100.0 * correct / len(val_loader.dataset)
    val_accs.append(acc)
    print(f"==> Epoch {epoch}: avg train loss {train_losses[-1]:.4f}, val acc {acc:.2f}%")

fig, ax = plt.subplots(1, 2, figsize=(10, 4))
ax[0].plot(train_losses)
ax[0].set_title("train loss")
ax[1].plot(val_accs)
ax[1].set_title("val acc")
plt.savefig("curves.png")
torch.save(model.state_dict(), "mlp_digits.pt")
