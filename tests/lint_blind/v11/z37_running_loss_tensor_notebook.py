# expect: TVL012
# style: beginner notebook, CIFAR-like tutorial loop printing running loss every 200 batches
# bug: `running_loss += loss` accumulates the loss tensor (not loss.item()), so graphs from up to 200 iterations stay alive between prints
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim
from torch.utils.data import DataLoader, TensorDataset

device = torch.device("cuda:0" if torch.cuda.is_available() else "cpu")
print(device)

trainset = TensorDataset(torch.randn(10000, 3, 32, 32), torch.randint(0, 10, (10000,)))
trainloader = DataLoader(trainset, batch_size=8, shuffle=True, num_workers=2)
classes = ("plane", "car", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 6, 5)
        self.pool = nn.MaxPool2d(2, 2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x):
        x = self.pool(F.relu(self.conv1(x)))
        x = self.pool(F.relu(self.conv2(x)))
        x = torch.flatten(x, 1)
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        return self.fc3(x)


net = Net().to(device)
criterion = nn.CrossEntropyLoss()
optimizer = optim.SGD(net.parameters(), lr=0.001, momentum=0.9)

loss_history = []
for epoch in range(4):
    running_loss = 0.0
    for i, data in enumerate(trainloader, 0):
        inputs, labels = data[0].to(device), data[1].to(device)

        optimizer.zero_grad()
        outputs = net(inputs)
        loss = criterion(outputs, labels)
        loss.backward()
        optimizer.step()

        running_loss += loss
        if i % 200 == 199:
            avg = running_loss / 200
            loss_history.append(float(avg))
            print(f"[{epoch + 1}, {i + 1:5d}] loss: {avg:.3f}")
            running_loss = 0.0

print("Finished Training")
PATH = "./cifar_net.pth"
torch.save(net.state_dict(), PATH)

# quick per-class sanity check on a few training batches
correct_pred = {c: 0 for c in classes}
total_pred = {c: 0 for c in classes}
net.eval()
with torch.no_grad():
    for k, (images, labels) in enumerate(trainloader):
        if k == 50:
            break
        preds = net(images.to(device)).argmax(1).cpu()
        for lab, p in zip(labels, preds):
            total_pred[classes[lab]] += 1
            correct_pred[classes[lab]] += int(lab == p)
for c in classes:
    print(f"{c:5s}: {100 * correct_pred[c] / max(1, total_pred[c]):.1f}%")
