# expect: TVL003
# style: course-project MNIST-like MLP script with plain loops
# bug: optimizer.zero_grad() sits between loss.backward() and optimizer.step(), so every step applies zero gradients
import time

import matplotlib.pyplot as plt
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

# ---- hyperparameters ----
batch_size = 100
learning_rate = 0.01
num_epochs = 10
hidden_size = 256
input_size = 28 * 28
num_classes = 10

device = torch.device("cuda" if torch.cuda.is_available() else "cpu")

# synthetic stand-in for MNIST (assignment autograder replaces this)
train_x = torch.rand(6000, 1, 28, 28)
train_y = torch.randint(0, 10, (6000,))
test_x = torch.rand(1000, 1, 28, 28)
test_y = torch.randint(0, 10, (1000,))

train_loader = DataLoader(TensorDataset(train_x, train_y), batch_size=batch_size, shuffle=True)
test_loader = DataLoader(TensorDataset(test_x, test_y), batch_size=batch_size, shuffle=False)


class NeuralNet(nn.Module):
    def __init__(self, input_size, hidden_size, num_classes):
        super(NeuralNet, self).__init__()
        self.fc1 = nn.Linear(input_size, hidden_size)
        self.fc2 = nn.Linear(hidden_size, hidden_size)
        self.fc3 = nn.Linear(hidden_size, num_classes)
        self.dropout = nn.Dropout(0.2)

    def forward(self, x):
        x = x.view(x.size(0), -1)
        x = self.dropout(F.relu(self.fc1(x)))
        x = self.dropout(F.relu(self.fc2(x)))
        return self.fc3(x)


model = NeuralNet(input_size, hidden_size, num_classes).to(device)
criterion = nn.CrossEntropyLoss()
optimizer = torch.optim.SGD(model.parameters(), lr=learning_rate, momentum=0.9)

train_losses, test_accs = [], []
total_step = len(train_loader)
start = time.time()
for epoch in range(num_epochs):
    model.train()
    epoch_loss = 0.0
    for i, (images, labels) in enumerate(train_loader):
        images = images.to(device)
        labels = labels.to(device)

        # Forward pass
        outputs = model(images)
        loss = criterion(outputs, labels)

        # Backward and optimize
        loss.backward()
        optimizer.zero_grad()
        optimizer.step()

        epoch_loss += loss.item()
        if (i + 1) % 20 == 0:
            print('Epoch [{}/{}], Step [{}/{}], Loss: {:.4f}'
                  .format(epoch + 1, num_epochs, i + 1, total_step, loss.item()))
    train_losses.append(epoch_loss / total_step)

    # Test the model
    model.eval()
    with torch.no_grad():
        correct = 0
        total = 0
        for images, labels in test_loader:
            images = images.to(device)
            labels = labels.to(device)
            outputs = model(images)
            _, predicted = torch.max(outputs.data, 1)
            total += labels.size(0)
            correct += (predicted == labels).sum().item()
        test_accs.append(100 * correct / total)
        print('Accuracy of the network on the test images: {} %'.format(100 * correct / total))

print("training took {:.1f}s".format(time.time() - start))
fig, ax = plt.subplots(1, 2, figsize=(10, 4))
ax[0].plot(train_losses)
ax[0].set_title("train loss")
ax[1].plot(test_accs)
ax[1].set_title("test acc")
plt.savefig("curves.png")
torch.save(model.state_dict(), 'model.ckpt')
