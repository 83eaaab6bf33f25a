# expect: TVL001
# style: beginner notebook export, NLP sentiment classifier with learned temperature
# bug: logits are computed under torch.inference_mode(); only the temperature parameter outside the block reaches the loss, so the classifier itself never trains.
# In[1]:
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

torch.manual_seed(0)
VOCAB = 5000
SEQ = 64
N = 2000

# In[2]:
# fake tokenised reviews
tokens = torch.randint(1, VOCAB, (N, SEQ))
labels = torch.randint(0, 2, (N,))
train_ds = TensorDataset(tokens[:1600], labels[:1600])
val_ds = TensorDataset(tokens[1600:], labels[1600:])
train_dl = DataLoader(train_ds, batch_size=32, shuffle=True)
val_dl = DataLoader(val_ds, batch_size=128)

# In[3]:
class BagOfEmbeddings(nn.Module):
    def __init__(self, vocab, dim=128, n_classes=2):
        super().__init__()
        self.emb = nn.EmbeddingBag(vocab, dim, mode="mean")
        self.mlp = nn.Sequential(nn.Linear(dim, dim), nn.GELU(), nn.Dropout(0.1), nn.Linear(dim, n_classes))

    def forward(self, ids):
        return self.mlp(self.emb(ids))


model = BagOfEmbeddings(VOCAB)
# calibration temperature, learned jointly
temperature = nn.Parameter(torch.ones(1))
optimizer = torch.optim.AdamW(list(model.parameters()) + [temperature], lr=3e-4)

# In[4]:
for epoch in range(4):
    model.train()
    running = 0.0
    for ids, y in train_dl:
        optimizer.zero_grad()
        # faster forward, no autograd bookkeeping for the big embedding table
        with torch.inference_mode():
            logits = model(ids)
        logits = logits.clone() / temperature
        loss = F.cross_entropy(logits, y)
        loss.backward()
        optimizer.step()
        running += loss.item()
    print("epoch", epoch, "train loss", running / len(train_dl))

    # In[5]:
    model.eval()
    correct = 0
    with torch.no_grad():
        for ids, y in val_dl:
            pred = model(ids).argmax(dim=1)
            correct += (pred == y).sum().item()
    print("val acc", correct / len(val_ds), "T", temperature.item())

# In[6]:
model.eval()
sample = torch.randint(1, VOCAB, (4, SEQ))
with torch.no_grad():
    probs = F.softmax(model(sample) / temperature, dim=-1)
print(probs)
