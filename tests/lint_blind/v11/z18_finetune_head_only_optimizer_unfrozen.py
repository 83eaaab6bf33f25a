# expect: TVL006
# style: transfer-learning fine-tune script; optimizer built by a factory over the classifier only, backbone left trainable
# bug: `build_optimizer` with cfg["train_scope"]="head" optimizes only model.classifier, but the backbone is never frozen, so its gradients are computed every step and never applied
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

CFG = {"lr": 3e-4, "wd": 1e-4, "epochs": 4, "train_scope": "head", "n_cls": 37}


class Backbone(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 32, 3, stride=2, padding=1), nn.BatchNorm2d(32), nn.ReLU(),
            nn.Conv2d(32, 64, 3, stride=2, padding=1), nn.BatchNorm2d(64), nn.ReLU(),
            nn.Conv2d(64, 128, 3, stride=2, padding=1), nn.BatchNorm2d(128), nn.ReLU(),
            nn.AdaptiveAvgPool2d(1), nn.Flatten(),
        )

    def forward(self, x):
        return self.features(x)


class PetClassifier(nn.Module):
    def __init__(self, n_cls):
        super().__init__()
        self.backbone = Backbone()
        self.classifier = nn.Sequential(nn.Dropout(0.2), nn.Linear(128, n_cls))

    def forward(self, x):
        return self.classifier(self.backbone(x))


def build_optimizer(model, cfg):
    if cfg["train_scope"] == "head":
        params = model.classifier.parameters()
    else:
        params = model.parameters()
    return torch.optim.AdamW(params, lr=cfg["lr"], weight_decay=cfg["wd"])


def load_pretrained(model):
    # pretend we load ImageNet weights for the backbone here
    for m in model.backbone.modules():
        if isinstance(m, nn.Conv2d):
            nn.init.kaiming_normal_(m.weight, mode="fan_out")
    return model


def main(cfg):
    model = load_pretrained(PetClassifier(cfg["n_cls"]))
    opt = build_optimizer(model, cfg)
    ds = TensorDataset(torch.randn(740, 3, 64, 64), torch.randint(0, cfg["n_cls"], (740,)))
    loader = DataLoader(ds, batch_size=32, shuffle=True)
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    print(f"trainable params: {trainable}")
    for epoch in range(cfg["epochs"]):
        model.train()
        tot, correct, n = 0.0, 0, 0
        for x, y in loader:
            logits = model(x)
            loss = F.cross_entropy(logits, y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            tot += loss.item() * len(y)
            correct += (logits.argmax(1) == y).sum().item()
            n += len(y)
        print(f"epoch {epoch}: loss {tot/n:.4f} acc {correct/n:.3f}")


if __name__ == "__main__":
    main(CFG)
