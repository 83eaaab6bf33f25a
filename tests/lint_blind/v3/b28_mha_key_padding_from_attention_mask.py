# expect: TVL010
# style: HF-tokenizer-fed custom classifier (attention_mask with 1 = real token) built on nn.MultiheadAttention, Kaggle-NLP-ish train loop
# bug: key_padding_mask is attention_mask.bool() (True on real tokens), but nn.MultiheadAttention treats True as "ignore", so the model attends only to padding
import argparse
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset


class AttnPoolClassifier(nn.Module):
    def __init__(self, vocab_size, d_model=128, nhead=4, num_labels=2):
        super().__init__()
        self.emb = nn.Embedding(vocab_size, d_model, padding_idx=0)
        self.mha = nn.MultiheadAttention(d_model, nhead, batch_first=True)
        self.norm = nn.LayerNorm(d_model)
        self.cls = nn.Linear(d_model, num_labels)

    def forward(self, input_ids, attention_mask):
        x = self.emb(input_ids)
        key_padding_mask = attention_mask.bool()
        h, _ = self.mha(x, x, x, key_padding_mask=key_padding_mask)
        h = self.norm(x + h)
        m = attention_mask.unsqueeze(-1).float()
        pooled = (h * m).sum(1) / m.sum(1).clamp(min=1.0)
        return self.cls(pooled)


def fake_tokenized(n, max_len, vocab):
    lengths = torch.randint(5, max_len + 1, (n,))
    attention_mask = (torch.arange(max_len)[None, :] < lengths[:, None]).long()
    input_ids = torch.randint(1, vocab, (n, max_len)) * attention_mask
    return input_ids, attention_mask


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--max_len", type=int, default=64)
    ap.add_argument("--vocab", type=int, default=20000)
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--lr", type=float, default=1e-3)
    args = ap.parse_args()
    ids, mask = fake_tokenized(4000, args.max_len, args.vocab)
    labels = torch.randint(0, 2, (4000,))
    train_dl = DataLoader(TensorDataset(ids[:3500], mask[:3500], labels[:3500]), batch_size=32, shuffle=True)
    val_dl = DataLoader(TensorDataset(ids[3500:], mask[3500:], labels[3500:]), batch_size=64)
    model = AttnPoolClassifier(args.vocab)
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr)
    for epoch in range(args.epochs):
        model.train()
        for input_ids, attention_mask, y in train_dl:
            logits = model(input_ids, attention_mask)
            loss = nn.functional.cross_entropy(logits, y)
            opt.zero_grad()
            loss.backward()
            opt.step()
        model.eval()
        correct = 0
        with torch.no_grad():
            for input_ids, attention_mask, y in val_dl:
                correct += (model(input_ids, attention_mask).argmax(-1) == y).sum().item()
        print(f"epoch {epoch}: val acc {correct / len(val_dl.dataset):.4f}")


if __name__ == "__main__":
    main()
