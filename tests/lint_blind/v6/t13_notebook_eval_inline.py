# expect: TVL004
# style: beginner notebook export, MNIST-like digit classifier with dropout
# bug: model.train() is called once before the epoch loop while model.eval() runs at the end of every epoch, so from epoch 2 on dropout and BatchNorm stay in eval mode.
# In[1]:
import torch
import torch.nn as nn
import torch.optim as optim
from torch.utils.data import DataLoader, TensorDataset

device = "cuda" if torch.cuda.is_available() else "cpu"

# In[2]:
images = torch.rand(6000, 1, 28, 28)
targets = torch.randint(0, 10, (6000,))
train_set = TensorDataset(images[:5000], targets[:5000])
test_set = TensorDataset(images[5000:], targets[5000:])
train_loader = DataLoader(train_set, batch_size=64, shuffle=True)
test_loader = DataLoader(test_set, batch_size=1000)

# In[3]:
model = nn.Sequential(
    nn.Conv2d(1, 32, 3), nn.ReLU(),
    nn.Conv2d(32, 64, 3), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2),
    nn.Dropout(0.25),
    nn.Flatten(),
    nn.Linear(9216, 128), nn.ReLU(),
    nn.Dropout(0.5),
    nn.Linear(128, 10),
).to(device)

criterion = nn.CrossEntropyLoss()
optimizer = optim.Adadelta(model.parameters(), lr=1.0)

# In[4]:
train_losses, test_accs = [], []
model.train()
for epoch in range(1, 11):
    running_loss = 0.0
    for batch_idx, (data, target) in enumerate(train_loader):
        data, target = data.to(device), target.to(device)
        optimizer.zero_grad()
        output = model(data)
        loss = criterion(output, target)
        loss.backward()
        optimizer.step()
        running_loss += loss.item()
        if batch_idx % 20 == 0:
            print(f"Train Epoch: {epoch} [{batch_idx * len(data)}/{len(train_loader.dataset)}]\tLoss: {loss.item():.6f}")
    train_losses.append(running_loss / len(train_loader))

    # evaluate on the test set
    model.eval()
    correct = 0
    with torch.no_grad():
        for data, target in test_loader:
            data, target = data.to(device), target.to(device)
            pred = model(data).argmax(dim=1)
            correct += pred.eq(target).sum().item()
    acc = 100.0 * correct / len(test_loader.dataset)
    test_accs.append(acc)
    print(f"Test set: Accuracy: {correct}/{len(test_loader.dataset)} ({acc:.1f}%)")

# In[5]:
print("losses", [round(l, 4) for l in train_losses])
print("accs", test_accs)
torch.save(model.state_dict(), "mnist_cnn.pt")
