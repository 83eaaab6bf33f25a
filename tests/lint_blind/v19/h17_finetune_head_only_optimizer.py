# expect: TVL006
# style: transfer-learning notebook export with torchvision ResNet, "fine-tune the classifier"
# bug: the optimizer only gets model.fc.parameters() but the backbone is never frozen, so backbone gradients are computed every step and never applied (and BN stats still drift)
# In[1]:
import os
import time
import copy
import torch
import torch.nn as nn
import torch.optim as optim
from torch.optim import lr_scheduler
from torch.utils.data import DataLoader, TensorDataset
import torchvision

# In[2]:
device = torch.device("cuda:0" if torch.cuda.is_available() else "cpu")
NUM_CLASSES = 5  # flowers
BATCH = 32

def fake_split(n, seed):
    g = torch.Generator().manual_seed(seed)
    return TensorDataset(torch.randn(n, 3, 224, 224, generator=g), torch.randint(0, NUM_CLASSES, (n,), generator=g))

dataloaders = {
    "train": DataLoader(fake_split(1200, 0), batch_size=BATCH, shuffle=True, num_workers=4),
    "val": DataLoader(fake_split(300, 1), batch_size=BATCH, shuffle=False, num_workers=4),
}
dataset_sizes = {k: len(v.dataset) for k, v in dataloaders.items()}

# In[3]:
model_ft = torchvision.models.resnet18(weights="IMAGENET1K_V1")
num_ftrs = model_ft.fc.in_features
model_ft.fc = nn.Linear(num_ftrs, NUM_CLASSES)
model_ft = model_ft.to(device)

criterion = nn.CrossEntropyLoss()
# only the new classifier is optimised
optimizer_ft = optim.SGD(model_ft.fc.parameters(), lr=0.001, momentum=0.9)
exp_lr_scheduler = lr_scheduler.StepLR(optimizer_ft, step_size=7, gamma=0.1)

# In[4]:
def train_model(model, criterion, optimizer, scheduler, num_epochs=25):
    since = time.time()
    best_model_wts = copy.deepcopy(model.state_dict())
    best_acc = 0.0

    for epoch in range(num_epochs):
        print(f"Epoch {epoch}/{num_epochs - 1}")
        print("-" * 10)
        for phase in ["train", "val"]:
            if phase == "train":
                model.train()
            else:
                model.eval()

            running_loss = 0.0
            running_corrects = 0
            for inputs, labels in dataloaders[phase]:
                inputs = inputs.to(device)
                labels = labels.to(device)
                optimizer.zero_grad()
                with torch.set_grad_enabled(phase == "train"):
                    outputs = model(inputs)
                    _, preds = torch.max(outputs, 1)
                    loss = criterion(outputs, labels)
                    if phase == "train":
                        loss.backward()
                        optimizer.step()
                running_loss += loss.item() * inputs.size(0)
                running_corrects += torch.sum(preds == labels.data).item()
            if phase == "train":
                scheduler.step()

            epoch_loss = running_loss / dataset_sizes[phase]
            epoch_acc = running_corrects / dataset_sizes[phase]
            print(f"{phase} Loss: {epoch_loss:.4f} Acc: {epoch_acc:.4f}")
            if phase == "val" and epoch_acc > best_acc:
                best_acc = epoch_acc
                best_model_wts = copy.deepcopy(model.state_dict())
        print()

    time_elapsed = time.time() - since
    print(f"Training complete in {time_elapsed // 60:.0f}m {time_elapsed % 60:.0f}s")
    print(f"Best val Acc: {best_acc:4f}")
    model.load_state_dict(best_model_wts)
    return model

# In[5]:
model_ft = train_model(model_ft, criterion, optimizer_ft, exp_lr_scheduler, num_epochs=25)

# In[6]:
def visualize_predictions(model, num_images=6):
    was_training = model.training
    model.eval()
    shown = 0
    with torch.no_grad():
        for inputs, labels in dataloaders["val"]:
            preds = model(inputs.to(device)).argmax(1).cpu()
            for j in range(inputs.size(0)):
                print(f"true {labels[j].item()} predicted {preds[j].item()}")
                shown += 1
                if shown == num_images:
                    model.train(mode=was_training)
                    return
    model.train(mode=was_training)

visualize_predictions(model_ft)

# In[7]:
def per_class_accuracy(model, loader, n_classes=NUM_CLASSES):
    correct = torch.zeros(n_classes)
    total = torch.zeros(n_classes)
    was_training = model.training
    model.eval()
    with torch.no_grad():
        for inputs, labels in loader:
            preds = model(inputs.to(device)).argmax(1).cpu()
            for c in range(n_classes):
                m = labels == c
                total[c] += m.sum()
                correct[c] += (preds[m] == c).sum()
    model.train(mode=was_training)
    return (correct / total.clamp(min=1)).tolist()

for c, acc in enumerate(per_class_accuracy(model_ft, dataloaders["val"])):
    print(f"class {c}: {acc:.3f}")
os.makedirs("models", exist_ok=True)
torch.save(model_ft.state_dict(), "models/resnet18_flowers.pt")
