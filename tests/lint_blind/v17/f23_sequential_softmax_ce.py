# expect: TVL008
# style: beginner tutorial script, handwritten digit MLP with nn.Sequential ending in Softmax
# bug: the model ends with nn.Softmax(dim=1) and its output goes straight into nn.CrossEntropyLoss, which applies log_softmax again.
import time

import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset, random_split

# hyper-parameters
input_size = 784
hidden_size = 256
num_classes = 10
num_epochs = 10
batch_size = 100
learning_rate = 0.001

device = torch.device("cuda" if torch.cuda.is_available() else "cpu")

# fake MNIST so the script runs offline
images = torch.rand(12000, 1, 28, 28)
labels = torch.randint(0, 10, (12000,))
full = TensorDataset(images, labels)
train_set, test_set = random_split(full, [10000, 2000], generator=torch.Generator().manual_seed(0))

train_loader = DataLoader(dataset=train_set, batch_size=batch_size, shuffle=True)
test_loader = DataLoader(dataset=test_set, batch_size=batch_size, shuffle=False)

model = nn.Sequential(
    nn.Flatten(),
    nn.Linear(input_size, hidden_size),
    nn.ReLU(),
    nn.Dropout(0.2),
    nn.Linear(hidden_size, hidden_size),
    nn.ReLU(),
    nn.Linear(hidden_size, num_classes),
    nn.Softmax(dim=1),
).to(device)

print(model)
n_params = sum(p.numel() for p in model.parameters())
print(f"{n_params:,} parameters")

criterion = nn.CrossEntropyLoss()
optimizer = torch.optim.Adam(model.parameters(), lr=learning_rate)

total_step = len(train_loader)
start = time.time()
for epoch in range(num_epochs):
    model.train()
    for i, (images, labels) in enumerate(train_loader):
        images = images.to(device)
        labels = labels.to(device)

        # forward pass
        outputs = model(images)
        loss = criterion(outputs, labels)

        # backward and optimize
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

        if (i + 1) % 25 == 0:
            print("Epoch [{}/{}], Step [{}/{}], Loss: {:.4f}".format(
                epoch + 1, num_epochs, i + 1, total_step, loss.item()))

    # test after each epoch
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
        print("Accuracy of the network on the test images: {:.2f} %".format(100 * correct / total))

print(f"training took {time.time() - start:.1f}s")
torch.save(model.state_dict(), "mlp_mnist.ckpt")
