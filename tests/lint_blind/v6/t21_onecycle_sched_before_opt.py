# expect: TVL007
# style: plain training script, text CNN intent classification with OneCycleLR
# bug: scheduler.step() is called before optimizer.step() inside the batch loop, so the first LR value is skipped and the schedule is off by one step.
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

VOCAB, SEQ, N_INTENTS = 12000, 32, 20


class TextCNN(nn.Module):
    def __init__(self, vocab=VOCAB, dim=128, n_filters=100, ks=(3, 4, 5), n_cls=N_INTENTS):
        super().__init__()
        self.emb = nn.Embedding(vocab, dim, padding_idx=0)
        self.convs = nn.ModuleList([nn.Conv1d(dim, n_filters, k) for k in ks])
        self.drop = nn.Dropout(0.5)
        self.fc = nn.Linear(n_filters * len(ks), n_cls)

    def forward(self, ids):
        e = self.emb(ids).transpose(1, 2)
        pooled = [F.relu(c(e)).max(dim=2).values for c in self.convs]
        return self.fc(self.drop(torch.cat(pooled, dim=1)))


ids = torch.randint(1, VOCAB, (9000, SEQ))
y = torch.randint(0, N_INTENTS, (9000,))
train_loader = DataLoader(TensorDataset(ids[:8000], y[:8000]), batch_size=64, shuffle=True)
dev_loader = DataLoader(TensorDataset(ids[8000:], y[8000:]), batch_size=256)

EPOCHS = 6
model = TextCNN()
optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=1e-4)
scheduler = torch.optim.lr_scheduler.OneCycleLR(
    optimizer, max_lr=3e-3, epochs=EPOCHS, steps_per_epoch=len(train_loader), pct_start=0.2
)

for epoch in range(EPOCHS):
    model.train()
    seen, loss_sum = 0, 0.0
    for step, (xb, yb) in enumerate(train_loader):
        optimizer.zero_grad()
        loss = F.cross_entropy(model(xb), yb)
        loss.backward()
        scheduler.step()
        optimizer.step()
        loss_sum += loss.item() * len(yb)
        seen += len(yb)
        if step % 50 == 0:
            print(f"epoch {epoch} step {step} lr {scheduler.get_last_lr()[0]:.2e} loss {loss.item():.4f}")

    model.eval()
    correct = 0
    with torch.no_grad():
        for xb, yb in dev_loader:
            correct += (model(xb).argmax(-1) == yb).sum().item()
    print(f"epoch {epoch} train_loss {loss_sum / seen:.4f} dev_acc {correct / len(dev_loader.dataset):.4f}")

torch.save({"model": model.state_dict(), "vocab_size": VOCAB}, "textcnn_intent.pt")
print("final lr", scheduler.get_last_lr()[0])
print("params", sum(p.numel() for p in model.parameters()))
