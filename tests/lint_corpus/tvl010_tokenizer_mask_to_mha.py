# expect: TVL010
"""A Hugging Face tokenizer's attention_mask (1 = real token) handed to MultiheadAttention as
key_padding_mask (True = ignore): the layer attends only to the padding."""
import torch
import torch.nn as nn
from transformers import AutoTokenizer

tokenizer = AutoTokenizer.from_pretrained("distilbert-base-uncased")
emb = nn.Embedding(tokenizer.vocab_size, 96)
attn = nn.MultiheadAttention(96, 4, batch_first=True)
head = nn.Linear(96, 3)
params = [*emb.parameters(), *attn.parameters(), *head.parameters()]
opt = torch.optim.Adam(params, lr=1e-3)

texts = ["good film", "a long and rather dull evening", "fine"] * 20
labels = torch.tensor([0, 1, 2] * 20)
for start in range(0, len(texts), 6):
    batch = tokenizer(texts[start:start + 6], padding=True, return_tensors="pt")
    x, am = emb(batch["input_ids"]), batch["attention_mask"]
    h, _ = attn(x, x, x, key_padding_mask=am.bool())
    loss = nn.functional.cross_entropy(head(h.mean(1)), labels[start:start + 6])
    opt.zero_grad()
    loss.backward()
    opt.step()
