# expect: TVL009
import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset


class Audio(Dataset):
    def __init__(self, clips, labels):
        self.clips = clips
        self.labels = labels

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, i):
        return torch.from_numpy(self.clips[i]), torch.tensor(self.labels[i]).float()


clips = np.random.randn(400, 16000).astype(np.float32)
labels = np.random.randint(0, 5, size=400)
net = nn.Sequential(nn.Linear(16000, 128), nn.ReLU(), nn.Linear(128, 5))
opt = torch.optim.Adam(net.parameters())
ce = nn.CrossEntropyLoss()
for wav, lab in DataLoader(Audio(clips, labels), batch_size=16, shuffle=True):
    loss = ce(net(wav), lab)
    opt.zero_grad()
    loss.backward()
    opt.step()
