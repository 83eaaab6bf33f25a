# expect: TVL010
# style: HF-tokenizer-like collate producing attention_mask, nn.TransformerEncoder intent classifier
# bug: the HF-style attention_mask (1 = real token) is passed as src_key_padding_mask via .bool(), but nn.Transformer treats True as "ignore", so real tokens are masked out and only padding is attended
import logging
import random

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

logger = logging.getLogger("intent")
INTENTS = ["book_flight", "cancel", "weather", "play_music", "set_alarm", "greeting", "goodbye"]


class ToyTokenizer:
    pad_token_id = 0
    cls_token_id = 1
    sep_token_id = 2

    def __init__(self, vocab_size=5000):
        self.vocab_size = vocab_size

    def encode(self, text):
        return [3 + (hash(w) % (self.vocab_size - 3)) for w in text.lower().split()]

    def __call__(self, texts, max_length=32):
        # always pad to max_length so the batch shape is static (keeps one slot for [SEP])
        input_ids, attention_mask = [], []
        for t in texts:
            ids = [self.cls_token_id] + self.encode(t)[: max_length - 3] + [self.sep_token_id]
            pad = max_length - len(ids)
            input_ids.append(ids + [self.pad_token_id] * pad)
            attention_mask.append([1] * len(ids) + [0] * pad)
        return {"input_ids": torch.tensor(input_ids), "attention_mask": torch.tensor(attention_mask)}


class IntentDataset(Dataset):
    def __init__(self, n, seed):
        rnd = random.Random(seed)
        words = "please can you i want to the a for me now tomorrow morning song flight paris rain alarm hi bye".split()
        self.items = []
        for _ in range(n):
            label = rnd.randrange(len(INTENTS))
            text = " ".join(rnd.choice(words) for _ in range(rnd.randint(3, 20))) + " " + INTENTS[label]
            self.items.append((text, label))

    def __len__(self):
        return len(self.items)

    def __getitem__(self, i):
        return self.items[i]


def make_collate(tokenizer):
    def collate(batch):
        texts, labels = zip(*batch)
        enc = tokenizer(list(texts))
        enc["labels"] = torch.tensor(labels)
        return enc
    return collate


class IntentClassifier(nn.Module):
    def __init__(self, vocab, dim=128, n_layers=2, n_classes=len(INTENTS)):
        super().__init__()
        self.emb = nn.Embedding(vocab, dim, padding_idx=0)
        self.pos = nn.Embedding(64, dim)
        layer = nn.TransformerEncoderLayer(dim, 4, 256, dropout=0.1, batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, n_layers, enable_nested_tensor=False)
        self.head = nn.Linear(dim, n_classes)

    def forward(self, input_ids, attention_mask):
        pos = torch.arange(input_ids.size(1), device=input_ids.device)
        h = self.emb(input_ids) + self.pos(pos)
        h = self.encoder(h, src_key_padding_mask=attention_mask.bool())
        return self.head(h[:, 0])


def run(epochs=8):
    logging.basicConfig(level=logging.INFO)
    tok = ToyTokenizer()
    collate = make_collate(tok)
    train_dl = DataLoader(IntentDataset(5000, 0), batch_size=32, shuffle=True, collate_fn=collate)
    val_dl = DataLoader(IntentDataset(500, 1), batch_size=128, collate_fn=collate)
    model = IntentClassifier(tok.vocab_size)
    opt = torch.optim.AdamW(model.parameters(), lr=5e-4)
    for epoch in range(epochs):
        model.train()
        losses = []
        for batch in train_dl:
            logits = model(batch["input_ids"], batch["attention_mask"])
            loss = F.cross_entropy(logits, batch["labels"])
            opt.zero_grad()
            loss.backward()
            opt.step()
            losses.append(loss.item())
        model.eval()
        correct = 0
        with torch.no_grad():
            for batch in val_dl:
                pred = model(batch["input_ids"], batch["attention_mask"]).argmax(-1)
                correct += (pred == batch["labels"]).sum().item()
        logger.info("epoch %d loss %.4f acc %.4f", epoch, sum(losses) / len(losses), correct / 500)


if __name__ == "__main__":
    run()
