# expect: TVL010
# style: NMT-style Transformer encoder classifier, research repo utils module + model
# bug: make_padding_mask() returns tokens != pad_id (True for real tokens) and it is passed as src_key_padding_mask, where True means "ignore"; real tokens are masked and padding is attended
import argparse
import math

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

PAD_ID, BOS_ID = 0, 1


# ---------------------------------------------------------------- utils
def make_padding_mask(tokens, pad_id=PAD_ID):
    """Boolean mask marking the positions that hold real tokens."""
    return tokens != pad_id


def sinusoidal(max_len, d):
    pe = torch.zeros(max_len, d)
    pos = torch.arange(max_len).unsqueeze(1).float()
    div = torch.exp(torch.arange(0, d, 2).float() * (-math.log(10000.0) / d))
    pe[:, 0::2] = torch.sin(pos * div)
    pe[:, 1::2] = torch.cos(pos * div)
    return pe


# ---------------------------------------------------------------- data
class LangID(Dataset):
    def __init__(self, n, vocab=3000, max_len=80, n_lang=12, seed=0):
        g = torch.Generator().manual_seed(seed)
        self.lens = torch.randint(5, max_len, (n,), generator=g)
        self.tok = torch.randint(2, vocab, (n, max_len), generator=g)
        self.lang = torch.randint(0, n_lang, (n,), generator=g)

    def __len__(self):
        return len(self.lang)

    def __getitem__(self, i):
        seq = torch.cat([torch.tensor([BOS_ID]), self.tok[i, : self.lens[i]]])
        return seq, self.lang[i]


def collate(batch):
    seqs, y = zip(*batch)
    return nn.utils.rnn.pad_sequence(seqs, batch_first=True, padding_value=PAD_ID), torch.stack(y)


# ---------------------------------------------------------------- model
class LangIDTransformer(nn.Module):
    def __init__(self, vocab, d=256, heads=4, layers=4, n_lang=12, max_len=128):
        super().__init__()
        self.emb = nn.Embedding(vocab, d, padding_idx=PAD_ID)
        self.register_buffer("pe", sinusoidal(max_len, d), persistent=False)
        enc_layer = nn.TransformerEncoderLayer(d, heads, 4 * d, dropout=0.1, batch_first=True)
        self.encoder = nn.TransformerEncoder(enc_layer, layers)
        self.cls = nn.Linear(d, n_lang)
        self.scale = math.sqrt(d)

    def forward(self, tokens):
        mask = make_padding_mask(tokens)
        x = self.emb(tokens) * self.scale + self.pe[: tokens.size(1)]
        h = self.encoder(x, src_key_padding_mask=mask)
        return self.cls(h[:, 0])  # BOS position


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=8)
    ap.add_argument("--bs", type=int, default=64)
    ap.add_argument("--lr", type=float, default=5e-4)
    ap.add_argument("--warmup", type=int, default=500)
    args = ap.parse_args()
    device = "cuda" if torch.cuda.is_available() else "cpu"

    train_loader = DataLoader(LangID(20000), batch_size=args.bs, shuffle=True, collate_fn=collate)
    dev_loader = DataLoader(LangID(2000, seed=1), batch_size=256, collate_fn=collate)
    model = LangIDTransformer(3000).to(device)
    opt = torch.optim.Adam(model.parameters(), lr=args.lr, betas=(0.9, 0.98), eps=1e-9)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min((s + 1) / args.warmup, (args.warmup / (s + 1)) ** 0.5))

    for epoch in range(args.epochs):
        model.train()
        tot = 0.0
        for tokens, y in train_loader:
            tokens, y = tokens.to(device), y.to(device)
            opt.zero_grad()
            loss = F.cross_entropy(model(tokens), y, label_smoothing=0.1)
            loss.backward()
            opt.step()
            sched.step()
            tot += loss.item()
        model.eval()
        hit = n = 0
        with torch.no_grad():
            for tokens, y in dev_loader:
                hit += (model(tokens.to(device)).argmax(-1).cpu() == y).sum().item()
                n += y.numel()
        print(f"epoch {epoch} loss {tot / len(train_loader):.4f} dev_acc {hit / n:.4f}")
    torch.save(model.state_dict(), "langid.pt")


if __name__ == "__main__":
    main()
