# expect: TVL008
# style: Kaggle NLP multi-label kernel (toxic-comment style, BiGRU + pooling)
# bug: the logits go through torch.sigmoid before nn.BCEWithLogitsLoss, which applies its own sigmoid
import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset
from tqdm.auto import tqdm

SEED = 42
MAX_LEN = 220
N_LABELS = 6
EPOCHS = 4
BATCH = 256


def seed_everything(seed):
    np.random.seed(seed)
    torch.manual_seed(seed)


class NeuralNet(nn.Module):
    def __init__(self, vocab_size, emb=300, hidden=128):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, emb)
        self.dropout = nn.Dropout2d(0.3)
        self.gru = nn.GRU(emb, hidden, bidirectional=True, batch_first=True)
        self.linear = nn.Linear(hidden * 4, hidden * 4)
        self.out = nn.Linear(hidden * 4, N_LABELS)

    def forward(self, x):
        h = self.embedding(x)
        h = self.dropout(h.permute(0, 2, 1).unsqueeze(-1)).squeeze(-1).permute(0, 2, 1)
        h, _ = self.gru(h)
        pooled = torch.cat([h.max(1).values, h.mean(1)], dim=1)
        return self.out(pooled + torch.relu(self.linear(pooled)))


seed_everything(SEED)
x_train = torch.randint(1, 30000, (8000, MAX_LEN))
y_train = torch.randint(0, 2, (8000, N_LABELS)).float()
train_loader = DataLoader(TensorDataset(x_train, y_train), batch_size=BATCH, shuffle=True)

model = NeuralNet(30000)
loss_fn = nn.BCEWithLogitsLoss(reduction="mean")
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda epoch: 0.6 ** epoch)

for epoch in range(EPOCHS):
    model.train()
    avg_loss = 0.0
    for x_batch, y_batch in tqdm(train_loader, disable=False):
        y_pred = torch.sigmoid(model(x_batch))
        loss = loss_fn(y_pred, y_batch)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        avg_loss += loss.item() / len(train_loader)
    scheduler.step()
    print(f"Epoch {epoch + 1}/{EPOCHS} \t loss={avg_loss:.4f}")
