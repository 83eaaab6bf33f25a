# expect: clean
# style: HF-like loop for sarcasm detection with two heads (3-way stance CE + binary sarcasm BCE), labels read from float arrays
# note: labels come out of a float32 table (looks like TVL009), but the collator casts the stance column with .long() before cross_entropy, and the binary head's logit is squeezed to (B,) to match the float target for BCEWithLogitsLoss
import argparse

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset


def make_table(n, max_len=40, vocab=8000, seed=0):
    rng = np.random.default_rng(seed)
    tokens = rng.integers(1, vocab, size=(n, max_len)).astype(np.float32)
    stance = rng.integers(0, 3, size=(n, 1)).astype(np.float32)
    sarcastic = (rng.random((n, 1)) < 0.3).astype(np.float32)
    return np.concatenate([tokens, stance, sarcastic], axis=1)


class TableDataset(Dataset):
    def __init__(self, table):
        self.table = torch.from_numpy(table)

    def __len__(self):
        return self.table.size(0)

    def __getitem__(self, i):
        return self.table[i]


def collate(rows):
    t = torch.stack(rows)
    return {
        "input_ids": t[:, :-2].long(),
        "stance": t[:, -2].long(),
        "sarcastic": t[:, -1],
    }


class TwoHeadClassifier(nn.Module):
    def __init__(self, vocab=8000, d=128):
        super().__init__()
        self.emb = nn.Embedding(vocab, d, padding_idx=0)
        self.gru = nn.GRU(d, d, batch_first=True, bidirectional=True)
        self.stance_head = nn.Linear(2 * d, 3)
        self.sarcasm_head = nn.Linear(2 * d, 1)

    def forward(self, input_ids):
        _, h = self.gru(self.emb(input_ids))
        h = torch.cat([h[0], h[1]], -1)
        return self.stance_head(h), self.sarcasm_head(h).squeeze(-1)


def compute_loss(model, batch):
    stance_logits, sarc_logit = model(batch["input_ids"])
    l1 = F.cross_entropy(stance_logits, batch["stance"])
    l2 = F.binary_cross_entropy_with_logits(sarc_logit, batch["sarcastic"])
    return l1 + l2, stance_logits, sarc_logit


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--num_train_epochs", type=int, default=5)
    ap.add_argument("--learning_rate", type=float, default=1e-3)
    args = ap.parse_args()
    train_dl = DataLoader(TableDataset(make_table(12000)), batch_size=64, shuffle=True, collate_fn=collate)
    eval_dl = DataLoader(TableDataset(make_table(2000, seed=1)), batch_size=256, collate_fn=collate)
    model = TwoHeadClassifier()
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.learning_rate)
    for epoch in range(args.num_train_epochs):
        model.train()
        tl = 0.0
        for step, batch in enumerate(train_dl):
            loss, _, _ = compute_loss(model, batch)
            loss.backward()
            optimizer.step()
            optimizer.zero_grad()
            tl += loss.item()
            if step % 50 == 0:
                print({"epoch": epoch, "step": step, "loss": round(loss.item(), 4)})
        model.eval()
        s_hit = b_hit = n = 0
        with torch.no_grad():
            for batch in eval_dl:
                _, sl, bl = compute_loss(model, batch)
                s_hit += (sl.argmax(-1) == batch["stance"]).sum().item()
                b_hit += ((bl > 0).float() == batch["sarcastic"]).sum().item()
                n += batch["stance"].numel()
        print({"epoch": epoch, "train_loss": tl / len(train_dl), "stance_acc": s_hit / n, "sarcasm_acc": b_hit / n})
    torch.save(model.state_dict(), "two_head.bin")


if __name__ == "__main__":
    main()
