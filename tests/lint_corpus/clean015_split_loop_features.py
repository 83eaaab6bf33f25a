# expect: clean
# Frozen-backbone features are extracted once per split in a loop over the split names, without
# shuffling (the order is the labels' order); only a linear probe is trained, on the tensors.
import torch
from torch.utils.data import DataLoader

features = {}
with torch.no_grad():
    for split in ("train", "test"):
        extraction = DataLoader(image_sets[split], batch_size=512, num_workers=8)
        features[split] = torch.cat([encoder(images) for images, _ in extraction])
probe = torch.nn.Linear(2048, 100)
sgd = torch.optim.SGD(probe.parameters(), lr=0.5)
for step in range(200):
    loss = torch.nn.functional.cross_entropy(probe(features["train"]), targets["train"])
    sgd.zero_grad()
    loss.backward()
    sgd.step()
