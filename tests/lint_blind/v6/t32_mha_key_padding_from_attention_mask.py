# expect: TVL010
# style: HF-like hand-written loop over tokenizer-style batches, nn.MultiheadAttention pooling for NLI
# bug: key_padding_mask is set to attention_mask.bool() (1 = real token), but MultiheadAttention treats True as "ignore", so real tokens are masked and padding is attended.
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset


class FakeTokenizedNLI(Dataset):
    def __init__(self, n=4000, max_len=64, vocab=30522):
        g = torch.Generator().manual_seed(5)
        self.input_ids = torch.randint(1000, vocab, (n, max_len), generator=g)
        lengths = torch.randint(12, max_len + 1, (n,), generator=g)
        self.attention_mask = (torch.arange(max_len)[None] < lengths[:, None]).long()
        self.input_ids = self.input_ids * self.attention_mask
        self.labels = torch.randint(0, 3, (n,), generator=g)

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, i):
        return {"input_ids": self.input_ids[i], "attention_mask": self.attention_mask[i], "labels": self.labels[i]}


class AttnPoolClassifier(nn.Module):
    def __init__(self, vocab=30522, dim=256, heads=8, n_labels=3):
        super().__init__()
        self.embed = nn.Embedding(vocab, dim, padding_idx=0)
        self.mha = nn.MultiheadAttention(dim, heads, dropout=0.1, batch_first=True)
        self.norm = nn.LayerNorm(dim)
        self.query = nn.Parameter(torch.randn(1, 1, dim) * 0.02)
        self.classifier = nn.Linear(dim, n_labels)

    def forward(self, input_ids, attention_mask):
        h = self.embed(input_ids)
        q = self.query.expand(h.size(0), -1, -1)
        pooled, _ = self.mha(q, h, h, key_padding_mask=attention_mask.bool())
        return self.classifier(self.norm(pooled.squeeze(1)))


train_loader = DataLoader(FakeTokenizedNLI(), batch_size=32, shuffle=True)
eval_loader = DataLoader(FakeTokenizedNLI(n=500), batch_size=64, shuffle=False)
model = AttnPoolClassifier()
optimizer = torch.optim.AdamW(model.parameters(), lr=2e-4)
num_epochs = 3

for epoch in range(num_epochs):
    model.train()
    for step, batch in enumerate(train_loader):
        logits = model(batch["input_ids"], batch["attention_mask"])
        loss = F.cross_entropy(logits, batch["labels"])
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        if step % 25 == 0:
            print(f"epoch {epoch} step {step} loss {loss.item():.4f}")

    model.eval()
    correct = total = 0
    for batch in eval_loader:
        with torch.no_grad():
            logits = model(batch["input_ids"], batch["attention_mask"])
        correct += (logits.argmax(-1) == batch["labels"]).sum().item()
        total += batch["labels"].numel()
    print(f"epoch {epoch} eval accuracy {correct / total:.4f}")
