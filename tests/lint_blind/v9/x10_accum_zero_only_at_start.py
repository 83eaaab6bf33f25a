# expect: TVL003
# style: HF-like hand-written loop for text classification with gradient accumulation, dataclass config
# bug: gradients are cleared once before the epoch loop and never again, so every optimizer step applies the running sum of all previous micro-batch gradients.
from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


@dataclass
class TrainingArguments:
    vocab_size: int = 8000
    max_len: int = 128
    num_labels: int = 3
    lr: float = 5e-4
    epochs: int = 3
    per_device_batch_size: int = 16
    gradient_accumulation_steps: int = 4
    max_grad_norm: float = 1.0
    logging_steps: int = 10


class BagOfEmbeddingsClassifier(nn.Module):
    def __init__(self, vocab_size, num_labels, dim=256):
        super().__init__()
        self.emb = nn.EmbeddingBag(vocab_size, dim, mode="mean", padding_idx=0)
        self.cls = nn.Sequential(nn.Linear(dim, dim), nn.GELU(), nn.Dropout(0.1), nn.Linear(dim, num_labels))

    def forward(self, input_ids, labels=None):
        logits = self.cls(self.emb(input_ids))
        loss = F.cross_entropy(logits, labels) if labels is not None else None
        return {"loss": loss, "logits": logits}


def get_dataloader(args):
    ids = torch.randint(1, args.vocab_size, (4000, args.max_len))
    labels = torch.randint(0, args.num_labels, (4000,))
    return DataLoader(TensorDataset(ids, labels), batch_size=args.per_device_batch_size, shuffle=True)


@torch.no_grad()
def evaluate(model, args):
    ids = torch.randint(1, args.vocab_size, (500, args.max_len))
    labels = torch.randint(0, args.num_labels, (500,))
    model.eval()
    correct = 0
    for s in range(0, 500, 64):
        out = model(ids[s:s + 64])
        correct += (out["logits"].argmax(-1) == labels[s:s + 64]).sum().item()
    model.train()
    return correct / 500


def save_pretrained(model, args, path="cls_model.pt"):
    torch.save({"state_dict": model.state_dict(), "config": vars(args)}, path)


def train(args: TrainingArguments):
    model = BagOfEmbeddingsClassifier(args.vocab_size, args.num_labels)
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.01)
    dl = get_dataloader(args)
    global_step = 0
    tr_loss = 0.0
    model.train()
    optimizer.zero_grad()
    for epoch in range(args.epochs):
        for step, (input_ids, labels) in enumerate(dl):
            out = model(input_ids, labels=labels)
            loss = out["loss"] / args.gradient_accumulation_steps
            loss.backward()
            tr_loss += loss.item()
            if (step + 1) % args.gradient_accumulation_steps == 0:
                torch.nn.utils.clip_grad_norm_(model.parameters(), args.max_grad_norm)
                optimizer.step()
                global_step += 1
                if global_step % args.logging_steps == 0:
                    print(f"step {global_step} loss {tr_loss / args.logging_steps:.4f}")
                    tr_loss = 0.0
        print(f"epoch {epoch} eval acc {evaluate(model, args):.4f}")
    save_pretrained(model, args)
    return model


if __name__ == "__main__":
    train(TrainingArguments())
