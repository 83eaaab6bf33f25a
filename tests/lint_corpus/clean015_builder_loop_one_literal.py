# expect: clean
# A loader builder called in a loop over the split names with the same shuffle=False for every
# split: embeddings are computed in order for each split, nothing is trained on these loaders.
import torch
from torch.utils.data import DataLoader


def ordered_loader(ds, shuffle):
    return DataLoader(ds, batch_size=1024, shuffle=shuffle, num_workers=6)


embeddings = {}
with torch.inference_mode():
    for split in ["train", "gallery", "query"]:
        embeddings[split] = torch.cat([embedder(x) for x, _ in ordered_loader(parts[split], False)])
torch.save(embeddings, "embeddings.pt")
