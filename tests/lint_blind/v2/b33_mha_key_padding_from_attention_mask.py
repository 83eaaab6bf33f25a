# expect: TVL010
# style: HF-tokenizer + nn.TransformerEncoder text classifier (attention_mask from the tokenizer)
# bug: key_padding_mask is attention_mask.bool() (True = real token), but nn.MultiheadAttention treats True as "ignore", so only padding is attended
import argparse

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset


class ReviewDataset(Dataset):
    def __init__(self, n=800, max_len=64, vocab=20000, pad_id=0):
        lengths = torch.randint(8, max_len, (n,))
        self.input_ids = torch.randint(1, vocab, (n, max_len))
        self.attention_mask = (torch.arange(max_len)[None, :] < lengths[:, None]).long()
        self.input_ids[self.attention_mask == 0] = pad_id
        self.labels = torch.randint(0, 2, (n,))

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, i):
        return {"input_ids": self.input_ids[i], "attention_mask": self.attention_mask[i], "labels": self.labels[i]}


class EncoderClassifier(nn.Module):
    def __init__(self, vocab=20000, d=128, heads=4, layers=2, n_cls=2):
        super().__init__()
        self.emb = nn.Embedding(vocab, d, padding_idx=0)
        self.self_attn = nn.ModuleList([nn.MultiheadAttention(d, heads, batch_first=True) for _ in range(layers)])
        self.norms = nn.ModuleList([nn.LayerNorm(d) for _ in range(layers)])
        self.cls = nn.Linear(d, n_cls)

    def forward(self, input_ids, attention_mask):
        h = self.emb(input_ids)
        pad_mask = attention_mask.bool()
        for attn, norm in zip(self.self_attn, self.norms):
            a, _ = attn(h, h, h, key_padding_mask=pad_mask, need_weights=False)
            h = norm(h + a)
        m = attention_mask.unsqueeze(-1).float()
        return self.cls((h * m).sum(1) / m.sum(1))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--num_train_epochs", type=int, default=3)
    parser.add_argument("--learning_rate", type=float, default=3e-4)
    args = parser.parse_args()
    model = EncoderClassifier()
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.learning_rate)
    loader = DataLoader(ReviewDataset(), batch_size=32, shuffle=True)
    for epoch in range(args.num_train_epochs):
        model.train()
        for step, batch in enumerate(loader):
            logits = model(batch["input_ids"], batch["attention_mask"])
            loss = F.cross_entropy(logits, batch["labels"])
            loss.backward()
            optimizer.step()
            optimizer.zero_grad()
            if step % 5 == 0:
                print(f"epoch {epoch} step {step} loss {loss.item():.4f}")


if __name__ == "__main__":
    main()
