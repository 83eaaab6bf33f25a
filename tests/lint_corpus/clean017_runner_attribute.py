# expect: clean
# The same runner, but validate() compares each batch's predictions with that batch's labels.
import numpy as np
import torch
from torch.utils.data import DataLoader


class Runner:
    def __init__(self, net, fit_set, holdout_set):
        self.net = net
        self.holdout_set = holdout_set
        self.fit_loader = DataLoader(fit_set, batch_size=32, shuffle=True)
        self.holdout_loader = DataLoader(holdout_set, batch_size=256, shuffle=True)

    @torch.no_grad()
    def validate(self):
        self.net.eval()
        hits = []
        for images, labels in self.holdout_loader:
            hits.append((self.net(images).argmax(1) == labels).numpy())
        return float(np.mean(np.concatenate(hits)))
