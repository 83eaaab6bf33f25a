# expect: TVL017
# A runner class keeps its loaders and validation set on self; the validation loader shuffles,
# and validate() compares the stacked predictions with the validation set's labels.
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
        guesses = []
        for images, _ in self.holdout_loader:
            guesses.append(self.net(images).argmax(1).numpy())
        return float(np.mean(np.concatenate(guesses) == self.holdout_set.labels))
