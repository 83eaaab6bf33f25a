# expect: TVL010
# style: HF-like tokenizer output fed to nn.TransformerEncoder, review-rating regression wrapper
# bug: the batch's attention_mask (1 = real token, HF convention) is converted with .bool() and passed as src_key_padding_mask, where True means "ignore", so real tokens are masked and padding is attended
import argparse
import logging

import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset

logger = logging.getLogger("rating")


class FakeTokenizer:
    def __init__(self, vocab_size=16000, max_length=96):
        self.vocab_size, self.max_length = vocab_size, max_length

    def __call__(self, lengths, seed):
        g = torch.Generator().manual_seed(seed)
        ids = torch.zeros(len(lengths), self.max_length, dtype=torch.long)
        mask = torch.zeros(len(lengths), self.max_length, dtype=torch.long)
        for i, L in enumerate(lengths):
            L = min(L, self.max_length)
            ids[i, :L] = torch.randint(1, self.vocab_size, (L,), generator=g)
            mask[i, :L] = 1
        return {"input_ids": ids, "attention_mask": mask}


class ReviewDataset(Dataset):
    def __init__(self, tokenizer, n, seed):
        g = torch.Generator().manual_seed(seed)
        lengths = torch.randint(5, 90, (n,), generator=g).tolist()
        self.enc = tokenizer(lengths, seed)
        self.rating = torch.randint(1, 6, (n,), generator=g).float()

    def __len__(self):
        return len(self.rating)

    def __getitem__(self, i):
        return {"input_ids": self.enc["input_ids"][i], "attention_mask": self.enc["attention_mask"][i],
                "labels": self.rating[i]}


class RatingRegressor(nn.Module):
    def __init__(self, vocab, d=256, nhead=8, layers=3):
        super().__init__()
        self.emb = nn.Embedding(vocab, d, padding_idx=0)
        self.pos = nn.Parameter(torch.zeros(1, 512, d))
        enc_layer = nn.TransformerEncoderLayer(d, nhead, 4 * d, dropout=0.1, batch_first=True)
        self.encoder = nn.TransformerEncoder(enc_layer, layers)
        self.head = nn.Sequential(nn.LayerNorm(d), nn.Linear(d, 1))

    def forward(self, input_ids, attention_mask):
        x = self.emb(input_ids) + self.pos[:, : input_ids.size(1)]
        h = self.encoder(x, src_key_padding_mask=attention_mask.bool())
        m = attention_mask.unsqueeze(-1).float()
        pooled = (h * m).sum(1) / m.sum(1).clamp(min=1)
        return self.head(pooled).squeeze(-1)


def run(args):
    tok = FakeTokenizer()
    train_loader = DataLoader(ReviewDataset(tok, 6000, 0), batch_size=args.bs, shuffle=True)
    val_loader = DataLoader(ReviewDataset(tok, 1000, 1), batch_size=128)
    model = RatingRegressor(tok.vocab_size)
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.01)
    loss_fn = nn.MSELoss()
    for epoch in range(args.epochs):
        model.train()
        for step, batch in enumerate(train_loader):
            pred = model(batch["input_ids"], batch["attention_mask"])
            loss = loss_fn(pred, batch["labels"])
            opt.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            if step % 100 == 0:
                logger.info("epoch %d step %d mse %.4f", epoch, step, loss.item())
        model.eval()
        se = n = 0
        with torch.no_grad():
            for batch in val_loader:
                p = model(batch["input_ids"], batch["attention_mask"]).clamp(1, 5)
                se += ((p - batch["labels"]) ** 2).sum().item()
                n += len(p)
        logger.info("epoch %d val rmse %.4f", epoch, (se / n) ** 0.5)
    torch.save(model.state_dict(), "rating_regressor.pt")


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--bs", type=int, default=32)
    ap.add_argument("--lr", type=float, default=2e-4)
    ap.add_argument("--epochs", type=int, default=4)
    logging.basicConfig(level=logging.INFO)
    run(ap.parse_args())
