# expect: TVL017
import csv

import torch
from torch.utils.data import DataLoader


def write_predictions(model, test_set, out_path, bs=32):
    loader = DataLoader(test_set, batch_size=bs, shuffle=True)
    with open(out_path, "w") as f, torch.no_grad():
        writer = csv.writer(f)
        for i, (images, _) in enumerate(loader):
            names = test_set.files[i * bs:(i + 1) * bs]
            for name, p in zip(names, model(images).argmax(1).tolist()):
                writer.writerow([name, p])
