# expect: TVL012
# style: university homework, CNN-LSTM image captioning-lite (predict bag of words), inline loop
# bug: epoch_loss += loss adds the loss tensor itself, keeping every iteration's autograd graph alive for the whole epoch.
import time

import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

VOCAB = 1000
EMB = 256
HIDDEN = 512
EPOCHS = 8
BATCH = 32
LR = 4e-4
device = "cuda" if torch.cuda.is_available() else "cpu"


class EncoderCNN(nn.Module):
    def __init__(self, emb):
        super().__init__()
        self.conv = nn.Sequential(
            nn.Conv2d(3, 64, 5, 2, 2), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(64, 128, 3, 1, 1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(128, 256, 3, 1, 1), nn.ReLU(), nn.AdaptiveAvgPool2d(1),
        )
        self.fc = nn.Linear(256, emb)
        self.bn = nn.BatchNorm1d(emb)

    def forward(self, images):
        return self.bn(self.fc(self.conv(images).flatten(1)))


class DecoderRNN(nn.Module):
    def __init__(self, emb, hidden, vocab):
        super().__init__()
        self.embed = nn.Embedding(vocab, emb)
        self.lstm = nn.LSTM(emb, hidden, batch_first=True)
        self.linear = nn.Linear(hidden, vocab)

    def forward(self, features, captions):
        emb = torch.cat([features.unsqueeze(1), self.embed(captions[:, :-1])], 1)
        out, _ = self.lstm(emb)
        return self.linear(out)


# fake COCO subset
images = torch.randn(2400, 3, 64, 64)
captions = torch.randint(1, VOCAB, (2400, 16))
train_loader = DataLoader(TensorDataset(images[:2000], captions[:2000]), batch_size=BATCH, shuffle=True)
val_loader = DataLoader(TensorDataset(images[2000:], captions[2000:]), batch_size=BATCH)

encoder = EncoderCNN(EMB).to(device)
decoder = DecoderRNN(EMB, HIDDEN, VOCAB).to(device)
criterion = nn.CrossEntropyLoss()
params = list(decoder.parameters()) + list(encoder.parameters())
optimizer = torch.optim.Adam(params, lr=LR)

for epoch in range(EPOCHS):
    encoder.train(); decoder.train()
    start = time.time()
    epoch_loss = 0
    for i, (imgs, caps) in enumerate(train_loader):
        imgs, caps = imgs.to(device), caps.to(device)
        features = encoder(imgs)
        outputs = decoder(features, caps)
        loss = criterion(outputs.reshape(-1, VOCAB), caps.reshape(-1))

        decoder.zero_grad()
        encoder.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 5.0)
        optimizer.step()

        epoch_loss += loss
        if i % 20 == 0:
            print(f"  [{epoch}/{EPOCHS}] step {i}/{len(train_loader)} loss {loss.item():.4f}")

    avg = epoch_loss / len(train_loader)
    encoder.eval(); decoder.eval()
    val_loss = 0.0
    with torch.no_grad():
        for imgs, caps in val_loader:
            imgs, caps = imgs.to(device), caps.to(device)
            out = decoder(encoder(imgs), caps)
            val_loss += criterion(out.reshape(-1, VOCAB), caps.reshape(-1)).item()
    print(f"Epoch {epoch}: train {avg:.4f} | val {val_loss / len(val_loader):.4f} | {time.time() - start:.0f}s")

torch.save({"encoder": encoder.state_dict(), "decoder": decoder.state_dict()}, "caption_model.pth")
