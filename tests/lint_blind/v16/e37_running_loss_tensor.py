# expect: TVL012
# style: StackOverflow-style script, fashion-item CNN with running loss printed every N batches
# bug: running_loss += loss adds the loss tensor (not loss.item()), so each iteration's graph stays referenced until the running sum is reset
import torch
import torch.nn as nn
import torch.optim as optim
from torch.utils.data import DataLoader, TensorDataset

device = "cuda" if torch.cuda.is_available() else "cpu"
classes = ("T-shirt", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Boot")

images = torch.rand(20000, 1, 28, 28)
labels = torch.randint(0, 10, (20000,))
trainset = TensorDataset(images[:18000], labels[:18000])
testset = TensorDataset(images[18000:], labels[18000:])
trainloader = DataLoader(trainset, batch_size=64, shuffle=True, num_workers=2)
testloader = DataLoader(testset, batch_size=256, shuffle=False, num_workers=2)


class FashionCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.layer1 = nn.Sequential(nn.Conv2d(1, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2))
        self.layer2 = nn.Sequential(nn.Conv2d(32, 64, 3), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2))
        self.fc1 = nn.Linear(64 * 6 * 6, 600)
        self.drop = nn.Dropout(0.25)
        self.fc2 = nn.Linear(600, 120)
        self.fc3 = nn.Linear(120, 10)

    def forward(self, x):
        out = self.layer2(self.layer1(x))
        out = out.view(out.size(0), -1)
        out = self.drop(self.fc1(out))
        return self.fc3(self.fc2(out))


model = FashionCNN().to(device)
error = nn.CrossEntropyLoss()
optimizer = optim.Adam(model.parameters(), lr=0.001)
print(model)

num_epochs = 5
count = 0
loss_list, iteration_list, accuracy_list = [], [], []

for epoch in range(num_epochs):
    model.train()
    running_loss = 0.0
    for i, (imgs, lbls) in enumerate(trainloader):
        imgs, lbls = imgs.to(device), lbls.to(device)
        outputs = model(imgs)
        loss = error(outputs, lbls)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

        running_loss += loss
        count += 1
        if (i + 1) % 100 == 0:
            avg = running_loss / 100
            loss_list.append(float(avg))
            iteration_list.append(count)
            print(f"Epoch [{epoch+1}/{num_epochs}], Step [{i+1}/{len(trainloader)}], Loss: {avg:.4f}")
            running_loss = 0.0

    model.eval()
    correct = total = 0
    class_correct = [0] * 10
    class_total = [0] * 10
    with torch.no_grad():
        for imgs, lbls in testloader:
            imgs, lbls = imgs.to(device), lbls.to(device)
            predicted = torch.max(model(imgs), 1)[1]
            correct += (predicted == lbls).sum().item()
            total += lbls.size(0)
            for c in range(10):
                m = lbls == c
                class_correct[c] += (predicted[m] == c).sum().item()
                class_total[c] += m.sum().item()
    accuracy_list.append(100 * correct / total)
    print(f"Epoch {epoch+1} accuracy: {accuracy_list[-1]:.2f}%")

for c in range(10):
    print(f"Accuracy of {classes[c]:>10s}: {100 * class_correct[c] / max(class_total[c], 1):.1f}%")
torch.save(model.state_dict(), "fashion_cnn.pth")
