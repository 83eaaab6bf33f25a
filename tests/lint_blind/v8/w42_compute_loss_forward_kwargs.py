# expect: TVL013
# style: HF-Trainer-like compute_loss override, token classification (NER) with a BiLSTM-CRF-free tagger and dict batches
# bug: compute_loss() calls model.forward(**inputs) rather than model(**inputs), so the embedding-noise forward pre-hook registered by add_grad_noise_hook never runs during training
import argparse
import math

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

LABELS = ["O", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC", "B-MISC", "I-MISC"]
IGNORE = -100


class NERData(Dataset):
    def __init__(self, n, vocab=12000, max_len=48, seed=0):
        g = torch.Generator().manual_seed(seed)
        self.lens = torch.randint(6, max_len, (n,), generator=g)
        self.ids = torch.randint(1, vocab, (n, max_len), generator=g)
        self.tags = torch.randint(0, len(LABELS), (n, max_len), generator=g)

    def __len__(self):
        return len(self.lens)

    def __getitem__(self, i):
        L = int(self.lens[i])
        return {"input_ids": self.ids[i, :L], "labels": self.tags[i, :L]}


def data_collator(features):
    ids = nn.utils.rnn.pad_sequence([f["input_ids"] for f in features], batch_first=True, padding_value=0)
    labels = nn.utils.rnn.pad_sequence([f["labels"] for f in features], batch_first=True, padding_value=IGNORE)
    return {"input_ids": ids, "attention_mask": (ids != 0).long(), "labels": labels}


class Tagger(nn.Module):
    def __init__(self, vocab, n_labels, emb=128, hidden=256):
        super().__init__()
        self.embeddings = nn.Embedding(vocab, emb, padding_idx=0)
        self.lstm = nn.LSTM(emb, hidden, num_layers=2, batch_first=True, bidirectional=True, dropout=0.3)
        self.dropout = nn.Dropout(0.3)
        self.classifier = nn.Linear(2 * hidden, n_labels)

    def forward(self, input_ids, attention_mask=None, labels=None):
        h, _ = self.lstm(self.dropout(self.embeddings(input_ids)))
        logits = self.classifier(self.dropout(h))
        out = {"logits": logits}
        if labels is not None:
            out["loss"] = F.cross_entropy(logits.view(-1, logits.size(-1)), labels.view(-1), ignore_index=IGNORE)
        return out


def add_grad_noise_hook(model, std=1e-3):
    def pre_hook(module, args, kwargs):
        if module.training:
            module.embeddings.weight.data.add_(torch.randn_like(module.embeddings.weight) * std)
        return None
    return model.register_forward_pre_hook(pre_hook, with_kwargs=True)


def compute_loss(model, inputs, return_outputs=False):
    outputs = model.forward(**inputs)
    loss = outputs["loss"]
    return (loss, outputs) if return_outputs else loss


def evaluate(model, loader, device):
    model.eval()
    correct = total = 0
    with torch.no_grad():
        for batch in loader:
            batch = {k: v.to(device) for k, v in batch.items()}
            logits = model(**batch)["logits"]
            m = batch["labels"] != IGNORE
            correct += (logits.argmax(-1)[m] == batch["labels"][m]).sum().item()
            total += m.sum().item()
    return correct / total


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--num_train_epochs", type=int, default=5)
    ap.add_argument("--learning_rate", type=float, default=1e-3)
    ap.add_argument("--train_batch_size", type=int, default=32)
    ap.add_argument("--grad_noise", type=float, default=1e-4)
    args = ap.parse_args()
    device = "cuda" if torch.cuda.is_available() else "cpu"

    train_dl = DataLoader(NERData(14000), batch_size=args.train_batch_size, shuffle=True, collate_fn=data_collator)
    eval_dl = DataLoader(NERData(3000, seed=1), batch_size=128, collate_fn=data_collator)
    model = Tagger(12000, len(LABELS)).to(device)
    hook = add_grad_noise_hook(model, args.grad_noise)
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.learning_rate)
    steps = args.num_train_epochs * len(train_dl)
    sched = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda s: 0.5 * (1 + math.cos(math.pi * s / steps)))

    step = 0
    for epoch in range(args.num_train_epochs):
        model.train()
        for batch in train_dl:
            batch = {k: v.to(device) for k, v in batch.items()}
            loss = compute_loss(model, batch)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            sched.step()
            optimizer.zero_grad()
            step += 1
            if step % 100 == 0:
                print({"loss": round(loss.item(), 4), "learning_rate": sched.get_last_lr()[0], "epoch": epoch})
        print({"eval_token_accuracy": evaluate(model, eval_dl, device), "epoch": epoch})
    hook.remove()
    torch.save(model.state_dict(), "ner_tagger.bin")


if __name__ == "__main__":
    main()
