# expect: TVL016
# style: HF run_glue_no_trainer-like loop with native AMP (torch.cuda.amp) instead of accelerate
# bug: scaler.step(optimizer) is called every step but scaler.update() never is, so the loss scale never adapts (and inf-skipped steps are never backed off)
import argparse

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


class BertLikeClassifier(nn.Module):
    def __init__(self, vocab=30522, hidden=256, layers=4, num_labels=2):
        super().__init__()
        self.embeddings = nn.Embedding(vocab, hidden)
        enc = nn.TransformerEncoderLayer(hidden, 4, 4 * hidden, batch_first=True, activation="gelu")
        self.encoder = nn.TransformerEncoder(enc, layers)
        self.classifier = nn.Linear(hidden, num_labels)

    def forward(self, input_ids, attention_mask):
        h = self.encoder(self.embeddings(input_ids), src_key_padding_mask=attention_mask == 0)
        return self.classifier(h[:, 0])


def main():
    parser = argparse.ArgumentParser(description="Finetune on a GLUE-like task")
    parser.add_argument("--per_device_train_batch_size", type=int, default=32)
    parser.add_argument("--learning_rate", type=float, default=2e-5)
    parser.add_argument("--num_train_epochs", type=int, default=3)
    args = parser.parse_args()
    device = "cuda" if torch.cuda.is_available() else "cpu"

    ids = torch.randint(1, 30522, (2000, 128))
    mask = torch.ones_like(ids)
    mask[:, 100:] = 0
    labels = torch.randint(0, 2, (2000,))
    train_dataloader = DataLoader(TensorDataset(ids, mask, labels), shuffle=True,
                                  batch_size=args.per_device_train_batch_size)
    model = BertLikeClassifier().to(device)
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.learning_rate)
    scaler = torch.cuda.amp.GradScaler(enabled=device == "cuda")

    completed_steps = 0
    for epoch in range(args.num_train_epochs):
        model.train()
        for step, (input_ids, attention_mask, y) in enumerate(train_dataloader):
            input_ids, attention_mask, y = input_ids.to(device), attention_mask.to(device), y.to(device)
            with torch.cuda.amp.autocast(enabled=device == "cuda"):
                loss = F.cross_entropy(model(input_ids, attention_mask), y)
            scaler.scale(loss).backward()
            scaler.step(optimizer)
            optimizer.zero_grad()
            completed_steps += 1
            if completed_steps % 50 == 0:
                print(f"epoch {epoch} step {completed_steps} loss {loss.item():.4f}")


if __name__ == "__main__":
    main()
