# expect: TVL008
# style: Kaggle notebook (sentiment classifier, flat training cell)
# bug: logits are passed through torch.softmax before nn.CrossEntropyLoss, which applies log_softmax itself
import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

SEED, VOCAB, EMB, HID, N_CLASSES = 7, 20000, 100, 128, 3
torch.manual_seed(SEED)


class BiLSTMClassifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.embedding = nn.Embedding(VOCAB, EMB)
        self.lstm = nn.LSTM(EMB, HID, batch_first=True, bidirectional=True)
        self.dropout = nn.Dropout(0.3)
        self.fc = nn.Linear(2 * HID, N_CLASSES)

    def forward(self, text):
        out, _ = self.lstm(self.embedding(text))
        return self.fc(self.dropout(out.mean(dim=1)))


X = torch.randint(0, VOCAB, (3000, 40))
Y = torch.randint(0, N_CLASSES, (3000,))
train_dl = DataLoader(TensorDataset(X[:2500], Y[:2500]), batch_size=64, shuffle=True)
valid_dl = DataLoader(TensorDataset(X[2500:], Y[2500:]), batch_size=128)

model = BiLSTMClassifier()
criterion = nn.CrossEntropyLoss()
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)

for epoch in range(5):
    model.train()
    tr_losses = []
    for text, label in train_dl:
        optimizer.zero_grad()
        logits = model(text)
        probs = torch.softmax(logits, dim=1)
        loss = criterion(probs, label)
        loss.backward()
        optimizer.step()
        tr_losses.append(loss.item())

    model.eval()
    correct = 0
    with torch.no_grad():
        for text, label in valid_dl:
            correct += (model(text).argmax(1) == label).sum().item()
    print(f"epoch {epoch}: train loss {np.mean(tr_losses):.4f} | valid acc {correct / 500:.4f}")
