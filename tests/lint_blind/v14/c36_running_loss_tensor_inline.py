# expect: TVL012
# style: beginner notebook, sentiment LSTM on synthetic reviews
# bug: running_loss += loss adds the loss tensor (not loss.item()), keeping every batch's graph alive for the whole epoch
import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

SEQ_LEN = 200
VOCAB = 15000
BATCH = 50

np.random.seed(1)
reviews = np.random.randint(1, VOCAB, size=(25000, SEQ_LEN))
lengths = np.random.randint(20, SEQ_LEN, size=25000)
for i, l in enumerate(lengths):
    reviews[i, : SEQ_LEN - l] = 0          # left padding like the tutorial
labels = (reviews[:, -5:].mean(1) > VOCAB / 2).astype(np.float32)

split = 20000
train_data = TensorDataset(torch.from_numpy(reviews[:split]), torch.from_numpy(labels[:split]))
valid_data = TensorDataset(torch.from_numpy(reviews[split:]), torch.from_numpy(labels[split:]))
train_loader = DataLoader(train_data, shuffle=True, batch_size=BATCH, drop_last=True)
valid_loader = DataLoader(valid_data, shuffle=False, batch_size=BATCH, drop_last=True)


class SentimentRNN(nn.Module):
    def __init__(self, vocab_size, output_size=1, embedding_dim=200, hidden_dim=128, n_layers=2, drop_prob=0.5):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embedding_dim)
        self.lstm = nn.LSTM(embedding_dim, hidden_dim, n_layers, dropout=drop_prob, batch_first=True)
        self.dropout = nn.Dropout(0.3)
        self.fc = nn.Linear(hidden_dim, output_size)

    def forward(self, x):
        lstm_out, _ = self.lstm(self.embedding(x))
        out = self.fc(self.dropout(lstm_out[:, -1, :]))
        return out.squeeze(1)


net = SentimentRNN(VOCAB)
criterion = nn.BCEWithLogitsLoss()
optimizer = torch.optim.Adam(net.parameters(), lr=0.001)
clip = 5
epochs = 4
print_every = 100

counter = 0
for e in range(epochs):
    net.train()
    running_loss = 0
    for inputs, targets in train_loader:
        counter += 1
        net.zero_grad()
        output = net(inputs)
        loss = criterion(output, targets)
        loss.backward()
        nn.utils.clip_grad_norm_(net.parameters(), clip)
        optimizer.step()
        running_loss += loss

        if counter % print_every == 0:
            net.eval()
            val_losses, correct = [], 0
            with torch.no_grad():
                for inputs_v, targets_v in valid_loader:
                    out_v = net(inputs_v)
                    val_losses.append(criterion(out_v, targets_v).item())
                    correct += ((out_v > 0).float() == targets_v).sum().item()
            net.train()
            print(f"Epoch: {e + 1}/{epochs}... Step: {counter}... "
                  f"Val Loss: {np.mean(val_losses):.6f} Val Acc: {correct / (len(valid_loader) * BATCH):.3f}")

    print(f"Epoch {e + 1} mean train loss: {running_loss / len(train_loader):.4f}")

torch.save(net.state_dict(), "sentiment_rnn.pt")
