# expect: TVL008
# style: beginner notebook export, handwritten digit classifier (MNIST-like synthetic)
# bug: the nn.Sequential model ends in nn.Softmax and its output is fed to nn.CrossEntropyLoss, which applies log_softmax again
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

# In[1]:
torch.manual_seed(7)
images = torch.rand(12000, 1, 28, 28)
labels = torch.randint(0, 10, (12000,))
train_set = TensorDataset(images[:10000], labels[:10000])
test_set = TensorDataset(images[10000:], labels[10000:])
train_loader = DataLoader(train_set, batch_size=64, shuffle=True)
test_loader = DataLoader(test_set, batch_size=1000)

# In[2]:
model = nn.Sequential(
    nn.Conv2d(1, 16, 5, padding=2),
    nn.ReLU(),
    nn.MaxPool2d(2),
    nn.Conv2d(16, 32, 5, padding=2),
    nn.ReLU(),
    nn.MaxPool2d(2),
    nn.Flatten(),
    nn.Linear(32 * 7 * 7, 128),
    nn.ReLU(),
    nn.Dropout(0.25),
    nn.Linear(128, 10),
    nn.Softmax(dim=1),
)
print(model)

# In[3]:
loss_fn = nn.CrossEntropyLoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)

# In[4]:
train_losses, test_accs = [], []
for epoch in range(10):
    model.train()
    batch_losses = []
    for batch_idx, (data, target) in enumerate(train_loader):
        optimizer.zero_grad()
        output = model(data)
        loss = loss_fn(output, target)
        loss.backward()
        optimizer.step()
        batch_losses.append(loss.item())
        if batch_idx % 50 == 0:
            print(f"Train Epoch: {epoch} [{batch_idx * len(data)}/{len(train_set)}]\tLoss: {loss.item():.6f}")
    train_losses.append(sum(batch_losses) / len(batch_losses))

    model.eval()
    correct = 0
    with torch.no_grad():
        for data, target in test_loader:
            pred = model(data).argmax(dim=1)
            correct += pred.eq(target).sum().item()
    test_accs.append(correct / len(test_set))
    print(f"Test set: Accuracy: {correct}/{len(test_set)} ({100. * correct / len(test_set):.1f}%)")

# In[5]:
fig, ax = plt.subplots(1, 2, figsize=(10, 4))
ax[0].plot(train_losses)
ax[0].set_title("train loss")
ax[1].plot(test_accs)
ax[1].set_title("test accuracy")
fig.savefig("curves.png")

# In[6]:
torch.save(model.state_dict(), "mnist_cnn.pt")
