# expect: TVL003
# style: notebook-style keyword-spotting (speech commands) CNN on log-mel features
# bug: optimizer.zero_grad() sits between loss.backward() and optimizer.step(), so every step applies zero gradients
import math
import random
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torchaudio
from torch.utils.data import DataLoader, Dataset

torch.manual_seed(0)
random.seed(0)
np.random.seed(0)

LABELS = ["yes", "no", "up", "down", "left", "right", "on", "off", "stop", "go"]
SAMPLE_RATE = 16000
N_MELS = 40
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")


class FakeSpeechCommands(Dataset):
    def __init__(self, n):
        self.n = n
        self.labels = np.random.randint(0, len(LABELS), size=n)

    def __len__(self):
        return self.n

    def __getitem__(self, idx):
        freq = 200 + 80 * self.labels[idx]
        t = torch.arange(SAMPLE_RATE) / SAMPLE_RATE
        wav = torch.sin(2 * math.pi * freq * t) + 0.3 * torch.randn(SAMPLE_RATE)
        return wav.unsqueeze(0), int(self.labels[idx])


mel = torchaudio.transforms.MelSpectrogram(sample_rate=SAMPLE_RATE, n_fft=480, hop_length=160, n_mels=N_MELS)
to_db = torchaudio.transforms.AmplitudeToDB()


def collate(batch):
    wavs = torch.stack([b[0] for b in batch])
    labels = torch.tensor([b[1] for b in batch])
    feats = to_db(mel(wavs))  # (B, 1, n_mels, T)
    feats = (feats - feats.mean(dim=(-1, -2), keepdim=True)) / (feats.std(dim=(-1, -2), keepdim=True) + 1e-5)
    return feats, labels


train_set = FakeSpeechCommands(6000)
val_set = FakeSpeechCommands(800)
train_loader = DataLoader(train_set, batch_size=64, shuffle=True, collate_fn=collate, num_workers=2)
val_loader = DataLoader(val_set, batch_size=128, shuffle=False, collate_fn=collate)


class KWSNet(nn.Module):
    def __init__(self, n_classes):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 32, (5, 5), padding=2)
        self.bn1 = nn.BatchNorm2d(32)
        self.conv2 = nn.Conv2d(32, 64, (3, 3), padding=1)
        self.bn2 = nn.BatchNorm2d(64)
        self.conv3 = nn.Conv2d(64, 64, (3, 3), padding=1)
        self.bn3 = nn.BatchNorm2d(64)
        self.fc = nn.Linear(64, n_classes)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.bn1(self.conv1(x))), 2)
        x = F.max_pool2d(F.relu(self.bn2(self.conv2(x))), 2)
        x = F.relu(self.bn3(self.conv3(x)))
        x = x.mean(dim=(-1, -2))
        return self.fc(x)


model = KWSNet(len(LABELS)).to(device)
criterion = nn.CrossEntropyLoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9, nesterov=True, weight_decay=1e-4)
scheduler = torch.optim.lr_scheduler.MultiStepLR(optimizer, milestones=[10, 20], gamma=0.1)

num_epochs = 30
train_losses, val_accs = [], []

for epoch in range(num_epochs):
    model.train()
    epoch_loss = 0.0
    n_batches = 0
    for feats, labels in train_loader:
        feats, labels = feats.to(device), labels.to(device)
        outputs = model(feats)
        loss = criterion(outputs, labels)
        loss.backward()
        optimizer.zero_grad()
        optimizer.step()
        epoch_loss += loss.item()
        n_batches += 1
    scheduler.step()

    model.eval()
    correct = total = 0
    with torch.no_grad():
        for feats, labels in val_loader:
            feats, labels = feats.to(device), labels.to(device)
            preds = model(feats).argmax(dim=1)
            correct += (preds == labels).sum().item()
            total += labels.size(0)
    acc = correct / total
    train_losses.append(epoch_loss / n_batches)
    val_accs.append(acc)
    print(f"Epoch {epoch + 1}/{num_epochs} | loss {epoch_loss / n_batches:.4f} | val acc {acc:.4f} | lr {scheduler.get_last_lr()[0]:.4g}")

# confusion matrix on the validation set
conf = torch.zeros(len(LABELS), len(LABELS), dtype=torch.long)
model.eval()
with torch.no_grad():
    for feats, labels in val_loader:
        preds = model(feats.to(device)).argmax(1).cpu()
        for t, p in zip(labels, preds):
            conf[t, p] += 1
print(conf)
torch.save(model.state_dict(), "kws_cnn.pth")
