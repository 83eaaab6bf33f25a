# expect: clean
# style: Kaggle NER/sequence-tagging notebook (collate_fn builds label tensors with torch.tensor from Python lists)
# note: torch.tensor(...) wraps labels from Python lists, not model outputs; .numpy()/.item() are used only after backward for metrics
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

TAGS = ["O", "B-PER", "I-PER", "B-LOC", "I-LOC"]


class TaggingDataset(Dataset):
    def __init__(self, n):
        self.samples = [(list(np.random.randint(1, 3000, size=np.random.randint(5, 30))),) for _ in range(n)]

    def __len__(self):
        return len(self.samples)

    def __getitem__(self, i):
        ids = self.samples[i][0]
        return ids, [int(t) % len(TAGS) for t in ids]


def collate_fn(batch):
    max_len = max(len(ids) for ids, _ in batch)
    input_ids = torch.tensor([ids + [0] * (max_len - len(ids)) for ids, _ in batch], dtype=torch.long)
    labels = torch.tensor([tags + [-100] * (max_len - len(tags)) for _, tags in batch], dtype=torch.long)
    return input_ids, labels


class BiGRUTagger(nn.Module):
    def __init__(self, vocab=3000, dim=96):
        super().__init__()
        self.emb = nn.Embedding(vocab, dim, padding_idx=0)
        self.rnn = nn.GRU(dim, dim, batch_first=True, bidirectional=True)
        self.out = nn.Linear(2 * dim, len(TAGS))

    def forward(self, ids):
        return self.out(self.rnn(self.emb(ids))[0])


model = BiGRUTagger()
optimizer = torch.optim.Adam(model.parameters(), lr=2e-3)
loader = DataLoader(TaggingDataset(1500), batch_size=32, shuffle=True, collate_fn=collate_fn)

for epoch in range(4):
    model.train()
    epoch_losses, hits, total = [], 0, 0
    for input_ids, labels in loader:
        optimizer.zero_grad()
        logits = model(input_ids)
        loss = F.cross_entropy(logits.view(-1, len(TAGS)), labels.view(-1), ignore_index=-100)
        loss.backward()
        optimizer.step()
        epoch_losses.append(loss.item())
        preds = logits.detach().argmax(-1).numpy()
        gold = labels.numpy()
        mask = gold != -100
        hits += int((preds[mask] == gold[mask]).sum())
        total += int(mask.sum())
    print(f"epoch {epoch}: loss {np.mean(epoch_losses):.4f} token acc {hits / total:.4f}")
