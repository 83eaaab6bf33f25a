# expect: TVL006
# style: HF-like hand-written fine-tuning loop, NER token classification
# bug: the optimizer is given only model.classifier.parameters() while the encoder stays trainable (no requires_grad_(False)), so encoder gradients are computed every step but never applied.
import logging

import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset

logging.basicConfig(level=logging.INFO)
logger = logging.getLogger(__name__)

LABELS = ["O", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC"]
PAD_ID, IGNORE = 0, -100


class ToyNER(Dataset):
    def __init__(self, n=3000, L=40, vocab=12000):
        self.ids = torch.randint(1, vocab, (n, L))
        lens = torch.randint(10, L, (n,))
        self.mask = torch.arange(L)[None, :] < lens[:, None]
        self.ids[~self.mask] = PAD_ID
        self.labels = torch.randint(0, len(LABELS), (n, L))
        self.labels[~self.mask] = IGNORE

    def __len__(self):
        return len(self.ids)

    def __getitem__(self, i):
        return {"input_ids": self.ids[i], "attention_mask": self.mask[i].long(), "labels": self.labels[i]}


class TinyEncoder(nn.Module):
    def __init__(self, vocab=12000, d=256, n_layers=4):
        super().__init__()
        self.embeddings = nn.Embedding(vocab, d, padding_idx=PAD_ID)
        self.pos = nn.Embedding(512, d)
        layer = nn.TransformerEncoderLayer(d, 8, 4 * d, 0.1, batch_first=True, norm_first=True)
        self.layers = nn.TransformerEncoder(layer, n_layers)

    def forward(self, input_ids, attention_mask):
        pos = torch.arange(input_ids.size(1), device=input_ids.device)
        h = self.embeddings(input_ids) + self.pos(pos)
        return self.layers(h, src_key_padding_mask=attention_mask == 0)


class TokenClassifier(nn.Module):
    def __init__(self, n_labels):
        super().__init__()
        self.encoder = TinyEncoder()
        self.dropout = nn.Dropout(0.1)
        self.classifier = nn.Linear(256, n_labels)

    def forward(self, input_ids, attention_mask, labels=None):
        logits = self.classifier(self.dropout(self.encoder(input_ids, attention_mask)))
        loss = None
        if labels is not None:
            loss = nn.functional.cross_entropy(logits.view(-1, logits.size(-1)), labels.view(-1), ignore_index=IGNORE)
        return loss, logits


model = TokenClassifier(len(LABELS))
# "pretrained" encoder would be loaded here
optimizer = torch.optim.AdamW(model.classifier.parameters(), lr=5e-5, weight_decay=0.01)
train_dataloader = DataLoader(ToyNER(), batch_size=32, shuffle=True)
eval_dataloader = DataLoader(ToyNER(500), batch_size=64)
num_epochs = 3

for epoch in range(num_epochs):
    model.train()
    for step, batch in enumerate(train_dataloader):
        loss, _ = model(**batch)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        optimizer.zero_grad()
        if step % 20 == 0:
            logger.info("epoch %d step %d loss %.4f", epoch, step, loss.item())

    model.eval()
    preds, golds = [], []
    with torch.no_grad():
        for batch in eval_dataloader:
            _, logits = model(**batch)
            m = batch["labels"] != IGNORE
            preds.append(logits.argmax(-1)[m].numpy())
            golds.append(batch["labels"][m].numpy())
    acc = (np.concatenate(preds) == np.concatenate(golds)).mean()
    logger.info("epoch %d token acc %.4f", epoch, acc)
