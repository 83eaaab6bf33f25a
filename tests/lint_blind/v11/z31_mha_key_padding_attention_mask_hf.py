# expect: TVL010
# style: HF-tokenizer-style batch dict (attention_mask 1=real token) fed to nn.TransformerEncoder
# bug: the HF-style `attention_mask` (1 for real tokens) is converted with `.bool()` and passed as src_key_padding_mask, where True means "ignore", so real tokens are masked and padding attended
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset


class FakeTokenizedDataset(Dataset):
    def __init__(self, n=1500, max_len=48, vocab=6000):
        self.input_ids = torch.randint(5, vocab, (n, max_len))
        lens = torch.randint(6, max_len, (n,))
        self.attention_mask = (torch.arange(max_len)[None] < lens[:, None]).long()
        self.input_ids[self.attention_mask == 0] = 0
        self.labels = torch.randint(0, 2, (n,))

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, i):
        return {"input_ids": self.input_ids[i], "attention_mask": self.attention_mask[i], "labels": self.labels[i]}


class PairClassifier(nn.Module):
    def __init__(self, vocab=6000, d=192, heads=6, layers=4):
        super().__init__()
        self.emb = nn.Embedding(vocab, d, padding_idx=0)
        self.pos = nn.Parameter(torch.zeros(1, 512, d))
        enc_layer = nn.TransformerEncoderLayer(d, heads, 4 * d, 0.1, batch_first=True, activation="gelu")
        self.encoder = nn.TransformerEncoder(enc_layer, layers)
        self.cls = nn.Linear(d, 2)

    def forward(self, input_ids, attention_mask):
        h = self.emb(input_ids) + self.pos[:, : input_ids.size(1)]
        h = self.encoder(h, src_key_padding_mask=attention_mask.bool())
        m = attention_mask.unsqueeze(-1).float()
        return self.cls((h * m).sum(1) / m.sum(1))


def training_loop(model, loader, epochs=3, lr=1e-4):
    opt = torch.optim.AdamW(model.parameters(), lr=lr)
    for epoch in range(epochs):
        model.train()
        seen = correct = 0
        loss_sum = 0.0
        for batch in loader:
            logits = model(batch["input_ids"], batch["attention_mask"])
            loss = F.cross_entropy(logits, batch["labels"])
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            loss_sum += loss.item() * len(batch["labels"])
            correct += (logits.argmax(-1) == batch["labels"]).sum().item()
            seen += len(batch["labels"])
        print({"epoch": epoch, "loss": round(loss_sum / seen, 4), "acc": round(correct / seen, 4)})


if __name__ == "__main__":
    loader = DataLoader(FakeTokenizedDataset(), batch_size=32, shuffle=True)
    training_loop(PairClassifier(), loader)
