# expect: TVL004
# style: beginner notebook export, MNIST-like MLP with dropout and batchnorm, val inside the epoch loop
# bug: model.train() is called once before the epoch loop; the in-loop validation calls model.eval() and nothing switches back, so epochs 2+ train with dropout off and frozen BN stats
# In[1]:
import numpy as np
import matplotlib.pyplot as plt
import torch
import torch.nn as nn
import torch.optim as optim
from torch.utils.data import DataLoader, TensorDataset, random_split

# In[2]:
torch.manual_seed(7)
device = "cuda" if torch.cuda.is_available() else "cpu"
print("using", device)

# In[3]:
# stand-in for MNIST: 28x28 grayscale, 10 classes
X = torch.rand(30000, 1, 28, 28)
Y = torch.randint(0, 10, (30000,))
full = TensorDataset(X, Y)
train_set, val_set = random_split(full, [25000, 5000])
train_loader = DataLoader(train_set, batch_size=128, shuffle=True)
val_loader = DataLoader(val_set, batch_size=512)

# In[4]:
model = nn.Sequential(
    nn.Flatten(),
    nn.Linear(28 * 28, 512),
    nn.BatchNorm1d(512),
    nn.ReLU(),
    nn.Dropout(0.3),
    nn.Linear(512, 256),
    nn.BatchNorm1d(256),
    nn.ReLU(),
    nn.Dropout(0.3),
    nn.Linear(256, 10),
).to(device)
print(model)

# In[5]:
loss_fn = nn.CrossEntropyLoss()
optimizer = optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
n_epochs = 15
train_loss_hist, val_loss_hist, val_acc_hist = [], [], []

# In[6]:
model.train()
for epoch in range(n_epochs):
    running_loss = 0.0
    for i, (images, labels) in enumerate(train_loader):
        images, labels = images.to(device), labels.to(device)
        optimizer.zero_grad()
        outputs = model(images)
        loss = loss_fn(outputs, labels)
        loss.backward()
        optimizer.step()
        running_loss += loss.item()
        if (i + 1) % 50 == 0:
            print(f"[{epoch + 1}, {i + 1:4d}] loss: {running_loss / 50:.3f}")
            train_loss_hist.append(running_loss / 50)
            running_loss = 0.0

    # ---- validation ----
    model.eval()
    val_loss, correct, total = 0.0, 0, 0
    with torch.no_grad():
        for images, labels in val_loader:
            images, labels = images.to(device), labels.to(device)
            outputs = model(images)
            val_loss += loss_fn(outputs, labels).item() * labels.size(0)
            _, predicted = torch.max(outputs, 1)
            total += labels.size(0)
            correct += (predicted == labels).sum().item()
    val_loss_hist.append(val_loss / total)
    val_acc_hist.append(100 * correct / total)
    print(f"Epoch {epoch + 1}: val loss {val_loss / total:.4f}, val acc {100 * correct / total:.2f}%")
    if val_acc_hist[-1] >= max(val_acc_hist):
        torch.save({"epoch": epoch, "model": model.state_dict(), "optimizer": optimizer.state_dict()},
                   "mlp_mnist_best.pth")
        print("  saved new best checkpoint")

# In[7]:
fig, axes = plt.subplots(1, 3, figsize=(15, 4))
axes[0].plot(train_loss_hist)
axes[0].set_title("train loss (every 50 it)")
axes[1].plot(val_loss_hist)
axes[1].set_title("val loss")
axes[2].plot(val_acc_hist)
axes[2].set_title("val acc")
plt.tight_layout()
plt.savefig("curves.png")

# In[8]:
# per-class accuracy
class_correct = np.zeros(10)
class_total = np.zeros(10)
model.eval()
with torch.no_grad():
    for images, labels in val_loader:
        preds = model(images.to(device)).argmax(1).cpu()
        for l, p in zip(labels.numpy(), preds.numpy()):
            class_total[l] += 1
            class_correct[l] += int(l == p)
for c in range(10):
    print(f"class {c}: {100 * class_correct[c] / max(class_total[c], 1):.1f}%")

# In[9]:
# look at a few of the most confident mistakes
worst = []
with torch.no_grad():
    for images, labels in val_loader:
        probs = torch.softmax(model(images.to(device)), 1).cpu()
        conf, pred = probs.max(1)
        wrong = pred != labels
        for c, p, l in zip(conf[wrong].tolist(), pred[wrong].tolist(), labels[wrong].tolist()):
            worst.append((c, p, l))
worst.sort(reverse=True)
for c, p, l in worst[:10]:
    print(f"predicted {p} with p={c:.2f}, true {l}")

# In[10]:
torch.save(model.state_dict(), "mlp_mnist.pth")
