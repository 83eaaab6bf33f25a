# expect: clean
# style: HF-style partial finetuning (freeze embeddings + lower layers, optimizer over filter(requires_grad))
# note: optimizer covers exactly the trainable parameters via filter(lambda p: p.requires_grad, ...) - not a partial-optimizer bug
import argparse

import torch
import torch.nn as nn
import torch.nn.functional as F


class Encoder(nn.Module):
    def __init__(self, vocab=4000, dim=128, n_layers=4):
        super().__init__()
        self.embeddings = nn.Embedding(vocab, dim)
        self.layer = nn.ModuleList(nn.TransformerEncoderLayer(dim, 4, 4 * dim, batch_first=True) for _ in range(n_layers))

    def forward(self, ids):
        h = self.embeddings(ids)
        for blk in self.layer:
            h = blk(h)
        return h


class SequenceClassifier(nn.Module):
    def __init__(self, num_labels=4):
        super().__init__()
        self.encoder = Encoder()
        self.dropout = nn.Dropout(0.1)
        self.classifier = nn.Linear(128, num_labels)

    def forward(self, ids):
        return self.classifier(self.dropout(self.encoder(ids)[:, 0]))


def freeze_lower_layers(model, n_frozen):
    for p in model.encoder.embeddings.parameters():
        p.requires_grad = False
    for blk in model.encoder.layer[:n_frozen]:
        for p in blk.parameters():
            p.requires_grad = False


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--freeze_layers", type=int, default=2)
    parser.add_argument("--learning_rate", type=float, default=3e-5)
    parser.add_argument("--max_steps", type=int, default=300)
    args = parser.parse_args()
    model = SequenceClassifier()
    freeze_lower_layers(model, args.freeze_layers)
    optimizer = torch.optim.AdamW(filter(lambda p: p.requires_grad, model.parameters()), lr=args.learning_rate)
    n_train = sum(p.numel() for p in model.parameters() if p.requires_grad)
    print(f"trainable params: {n_train}")
    model.train()
    for step in range(args.max_steps):
        ids, labels = torch.randint(0, 4000, (16, 32)), torch.randint(0, 4, (16,))
        loss = F.cross_entropy(model(ids), labels)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        if step % 50 == 0:
            print(f"step {step} loss {loss.item():.4f}")


if __name__ == "__main__":
    main()
