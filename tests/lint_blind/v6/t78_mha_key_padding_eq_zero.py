# expect: clean
# style: HF-like hand-written loop over tokenizer-style batches, nn.MultiheadAttention pooling for review rating classification
# note: the batch carries an HF-style attention_mask (1 = real token), and it is converted with attention_mask == 0 before being passed as key_padding_mask (True = ignore), the correct polarity.
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset


class FakeTokenizedReviews(Dataset):
    def __init__(self, n=5000, max_len=96, vocab=32000, seed=0):
        g = torch.Generator().manual_seed(seed)
        lengths = torch.randint(8, max_len + 1, (n,), generator=g)
        self.attention_mask = (torch.arange(max_len)[None] < lengths[:, None]).long()
        self.input_ids = torch.randint(5, vocab, (n, max_len), generator=g) * self.attention_mask
        self.labels = torch.randint(0, 5, (n,), generator=g)

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, i):
        return {"input_ids": self.input_ids[i], "attention_mask": self.attention_mask[i], "labels": self.labels[i]}


class AttnPool(nn.Module):
    def __init__(self, vocab=32000, dim=256, heads=8, n_labels=5):
        super().__init__()
        self.embed = nn.Embedding(vocab, dim, padding_idx=0)
        self.ctx = nn.GRU(dim, dim // 2, batch_first=True, bidirectional=True)
        self.mha = nn.MultiheadAttention(dim, heads, dropout=0.1, batch_first=True)
        self.query = nn.Parameter(torch.randn(1, 1, dim) * 0.02)
        self.out = nn.Linear(dim, n_labels)

    def forward(self, input_ids, attention_mask):
        h, _ = self.ctx(self.embed(input_ids))
        q = self.query.expand(h.size(0), -1, -1)
        pooled, _ = self.mha(q, h, h, key_padding_mask=attention_mask == 0)
        return self.out(pooled.squeeze(1))


train_loader = DataLoader(FakeTokenizedReviews(), batch_size=32, shuffle=True)
eval_loader = DataLoader(FakeTokenizedReviews(n=800, seed=1), batch_size=128)
model = AttnPool()
optimizer = torch.optim.AdamW(model.parameters(), lr=3e-4, weight_decay=0.01)

for epoch in range(3):
    model.train()
    for step, batch in enumerate(train_loader):
        optimizer.zero_grad()
        logits = model(batch["input_ids"], batch["attention_mask"])
        loss = F.cross_entropy(logits, batch["labels"])
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        if step % 40 == 0:
            print(f"epoch {epoch} step {step} loss {loss.item():.4f}")

    model.eval()
    correct = 0
    with torch.no_grad():
        for batch in eval_loader:
            pred = model(batch["input_ids"], batch["attention_mask"]).argmax(-1)
            correct += (pred == batch["labels"]).sum().item()
    print(f"epoch {epoch} eval acc {correct / len(eval_loader.dataset):.4f}")
