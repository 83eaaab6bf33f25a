# expect: TVL009
# A text classifier whose collate function packs labels as floats for cross_entropy.
import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader
from tqdm import tqdm


def pad_batch(items):
    ids = torch.nn.utils.rnn.pad_sequence([torch.tensor(i[0]) for i in items], batch_first=True)
    ys = torch.tensor([int(i[1]) for i in items], dtype=torch.float)
    return ids, ys


dl = DataLoader(samples, batch_size=16, shuffle=True, collate_fn=pad_batch)
bar = tqdm(dl)
for ids, ys in bar:
    optimizer.zero_grad()
    loss = F.cross_entropy(clf(ids), ys)
    loss.backward()
    optimizer.step()
