# expect: TVL015
# Hyper-parameters live in a dataclass; the loader reads hp.shuffle, whose field default is
# False, and the instance is built without setting it.
from dataclasses import dataclass

import torch
from torch.utils.data import DataLoader


@dataclass
class Hyper:
    batch: int = 128
    shuffle: bool = False
    epochs: int = 30


hp = Hyper(epochs=90)
stream = DataLoader(corpus_set, batch_size=hp.batch, shuffle=hp.shuffle, num_workers=4)
for epoch in range(hp.epochs):
    for tokens, labels in stream:
        adam.zero_grad()
        torch.nn.functional.cross_entropy(lm(tokens), labels).backward()
        adam.step()
