# expect: TVL010
# style: HF-tokenizer-style batches fed into nn.TransformerEncoder, review sentiment classification inline
# bug: the HF-style attention_mask (1 = real token) is converted with .bool() and passed as src_key_padding_mask, where True means "ignore", so real tokens are masked and padding is attended
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

VOCAB, MAXLEN, DIM = 30522, 128, 256
device = "cuda" if torch.cuda.is_available() else "cpu"


class FakeTokenizedReviews(Dataset):
    """Mimics tokenizer(texts, padding='max_length') output."""

    def __init__(self, n, seed=0):
        g = torch.Generator().manual_seed(seed)
        lens = torch.randint(10, MAXLEN, (n,), generator=g)
        self.input_ids = torch.zeros(n, MAXLEN, dtype=torch.long)
        self.attention_mask = torch.zeros(n, MAXLEN, dtype=torch.long)
        for i, L in enumerate(lens.tolist()):
            self.input_ids[i, :L] = torch.randint(1000, VOCAB, (L,), generator=g)
            self.input_ids[i, 0] = 101  # [CLS]
            self.attention_mask[i, :L] = 1
        self.labels = torch.randint(0, 2, (n,), generator=g)

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, i):
        return {"input_ids": self.input_ids[i], "attention_mask": self.attention_mask[i], "labels": self.labels[i]}


class ReviewClassifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.tok = nn.Embedding(VOCAB, DIM, padding_idx=0)
        self.pos = nn.Parameter(torch.zeros(1, MAXLEN, DIM))
        layer = nn.TransformerEncoderLayer(DIM, 8, 4 * DIM, dropout=0.1, batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, num_layers=3)
        self.classifier = nn.Linear(DIM, 2)

    def forward(self, input_ids, attention_mask):
        h = self.tok(input_ids) + self.pos[:, : input_ids.size(1)]
        h = self.encoder(h, src_key_padding_mask=attention_mask.bool())
        return self.classifier(h[:, 0])


train_dl = DataLoader(FakeTokenizedReviews(6000, 0), batch_size=32, shuffle=True)
eval_dl = DataLoader(FakeTokenizedReviews(1000, 1), batch_size=64)

model = ReviewClassifier().to(device)
optimizer = torch.optim.AdamW(model.parameters(), lr=2e-4, weight_decay=0.01)
num_epochs = 3
num_training_steps = num_epochs * len(train_dl)
lr_scheduler = torch.optim.lr_scheduler.LinearLR(optimizer, start_factor=1.0, end_factor=0.0,
                                                 total_iters=num_training_steps)

progress = 0
for epoch in range(num_epochs):
    model.train()
    for batch in train_dl:
        batch = {k: v.to(device) for k, v in batch.items()}
        logits = model(batch["input_ids"], batch["attention_mask"])
        loss = F.cross_entropy(logits, batch["labels"])
        loss.backward()
        optimizer.step()
        lr_scheduler.step()
        optimizer.zero_grad()
        progress += 1
        if progress % 50 == 0:
            print(f"step {progress}/{num_training_steps} loss {loss.item():.4f}")

    model.eval()
    correct = 0
    for batch in eval_dl:
        batch = {k: v.to(device) for k, v in batch.items()}
        with torch.no_grad():
            logits = model(batch["input_ids"], batch["attention_mask"])
        correct += (logits.argmax(-1) == batch["labels"]).sum().item()
    print(f"epoch {epoch}: eval accuracy {correct / len(eval_dl.dataset):.4f}")

torch.save(model.state_dict(), "review_clf.pt")
