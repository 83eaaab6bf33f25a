# expect: clean
# The same per-phase loaders; the training phase shuffles (shuffle=(p == "train")).
import torch
from torch.utils.data import DataLoader
from torchvision import datasets

folders = {p: datasets.ImageFolder(f"data/{p}", transform=tfms[p]) for p in ("train", "val")}
feeds = {p: DataLoader(folders[p], batch_size=8, num_workers=4, shuffle=(p == "train")) for p in ("train", "val")}
for epoch in range(25):
    for phase in ("train", "val"):
        net.train(phase == "train")
        for images, labels in feeds[phase]:
            with torch.set_grad_enabled(phase == "train"):
                loss = criterion(net(images), labels)
                if phase == "train":
                    optimizer.zero_grad()
                    loss.backward()
                    optimizer.step()
