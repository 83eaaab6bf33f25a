# expect: TVL017
# style: competition repo with inference.py-style functions (make_loader / predict / write_submission), image classification
# bug: make_loader(..., split='test') is called with shuffle=cfg['shuffle'] which is True in the shared loader config; predict() returns predictions in loader order and write_submission() zips them with dataset.image_ids in file order
import csv
import os

import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset

CFG = {
    "num_classes": 8,
    "img": 96,
    "loader": {"batch_size": 64, "num_workers": 2, "shuffle": True},
    "checkpoint": "weights/effnet_fold0.pth",
    "out_csv": "submission.csv",
}


class TestImages(Dataset):
    def __init__(self, n, img):
        self.image_ids = [f"ISIC_{1000000 + i:07d}" for i in range(n)]
        self.img = img

    def __len__(self):
        return len(self.image_ids)

    def __getitem__(self, i):
        g = torch.Generator().manual_seed(i)
        return torch.rand(3, self.img, self.img, generator=g)


class Classifier(nn.Module):
    def __init__(self, n_classes):
        super().__init__()
        layers, c = [], 3
        for w in (32, 64, 128, 256):
            layers += [nn.Conv2d(c, w, 3, 2, 1, bias=False), nn.BatchNorm2d(w), nn.SiLU()]
            c = w
        self.body = nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten())
        self.fc = nn.Linear(c, n_classes)

    def forward(self, x):
        return self.fc(self.body(x))


def make_loader(dataset, loader_cfg):
    return DataLoader(dataset, batch_size=loader_cfg["batch_size"], num_workers=loader_cfg["num_workers"],
                      shuffle=loader_cfg["shuffle"], pin_memory=torch.cuda.is_available())


def load_model(cfg, device):
    model = Classifier(cfg["num_classes"])
    if os.path.exists(cfg["checkpoint"]):
        model.load_state_dict(torch.load(cfg["checkpoint"], map_location="cpu", weights_only=True))
    return model.to(device).eval()


@torch.no_grad()
def predict(model, loader, device, tta=True):
    out = []
    for x in loader:
        x = x.to(device)
        logits = model(x)
        if tta:
            logits = (logits + model(torch.flip(x, dims=[3]))) / 2
        out.append(logits.softmax(-1).cpu())
    return torch.cat(out)


def write_submission(path, image_ids, probs):
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["image_name"] + [f"class_{k}" for k in range(probs.size(1))])
        for img_id, row in zip(image_ids, probs.tolist()):
            w.writerow([img_id] + [f"{p:.5f}" for p in row])


def main(cfg):
    device = "cuda" if torch.cuda.is_available() else "cpu"
    test_ds = TestImages(3000, cfg["img"])
    loader = make_loader(test_ds, cfg["loader"])
    model = load_model(cfg, device)
    probs = predict(model, loader, device)
    write_submission(cfg["out_csv"], test_ds.image_ids, probs)
    print(f"wrote {len(test_ds)} rows to {cfg['out_csv']}; class histogram {probs.argmax(1).bincount(minlength=cfg['num_classes']).tolist()}")


if __name__ == "__main__":
    main(CFG)
