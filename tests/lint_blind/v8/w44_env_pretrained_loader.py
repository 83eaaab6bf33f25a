# expect: TVL014
# style: container/cluster job script configured through environment variables, fine-tuning an audio event classifier from a pretrained checkpoint
# bug: load_pretrained() calls torch.load(path, map_location=...) on a path taken from the PRETRAINED_CKPT environment variable, without weights_only=True
import logging
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

logging.basicConfig(stream=sys.stdout, level=logging.INFO, format="[%(asctime)s] %(message)s")
logger = logging.getLogger("audioset-ft")


def env(name, default, cast=str):
    val = os.environ.get(name)
    return cast(val) if val is not None else default


class Settings:
    pretrained = env("PRETRAINED_CKPT", "")
    epochs = env("EPOCHS", 10, int)
    lr = env("LR", 1e-4, float)
    batch_size = env("BATCH_SIZE", 32, int)
    num_classes = env("NUM_CLASSES", 50, int)
    out_dir = env("SM_MODEL_DIR", "/tmp/model")


class CNN14Lite(nn.Module):
    def __init__(self, n_classes=527):
        super().__init__()
        chans = [1, 64, 128, 256, 512]
        blocks = []
        for a, b in zip(chans[:-1], chans[1:]):
            blocks += [nn.Conv2d(a, b, 3, padding=1, bias=False), nn.BatchNorm2d(b), nn.ReLU(),
                       nn.AvgPool2d(2)]
        self.features = nn.Sequential(*blocks)
        self.fc1 = nn.Linear(512, 512)
        self.fc_audioset = nn.Linear(512, n_classes)

    def forward(self, x):
        x = self.features(x)
        x = x.mean(dim=3)
        x = x.max(dim=2).values + x.mean(dim=2)
        return self.fc_audioset(F.dropout(F.relu(self.fc1(x)), 0.5, self.training))


def load_pretrained(model, path, device):
    if not path:
        logger.info("no pretrained checkpoint given, training from scratch")
        return model
    state = torch.load(path, map_location=device)
    state = state.get("model", state)
    state = {k: v for k, v in state.items() if not k.startswith("fc_audioset")}
    missing, unexpected = model.load_state_dict(state, strict=False)
    logger.info("loaded %s (missing=%d unexpected=%d)", path, len(missing), len(unexpected))
    return model


def build(settings, device):
    model = CNN14Lite(n_classes=settings.num_classes)
    model = load_pretrained(model, settings.pretrained, device)
    return model.to(device)


def run(settings):
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    x = torch.randn(2000, 1, 128, 64)
    y = torch.randint(0, settings.num_classes, (2000,))
    train_dl = DataLoader(TensorDataset(x[:1600], y[:1600]), batch_size=settings.batch_size, shuffle=True)
    val_dl = DataLoader(TensorDataset(x[1600:], y[1600:]), batch_size=64)

    model = build(settings, device)
    opt = torch.optim.AdamW(model.parameters(), lr=settings.lr, weight_decay=1e-3)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=settings.epochs)
    for epoch in range(settings.epochs):
        model.train()
        loss_acc = 0.0
        for xb, yb in train_dl:
            xb, yb = xb.to(device), yb.to(device)
            opt.zero_grad()
            loss = F.cross_entropy(model(xb), yb)
            loss.backward()
            opt.step()
            loss_acc += loss.item()
        sched.step()
        model.eval()
        correct = 0
        with torch.no_grad():
            for xb, yb in val_dl:
                correct += (model(xb.to(device)).argmax(-1).cpu() == yb).sum().item()
        logger.info("epoch=%d train_loss=%.4f val_acc=%.4f", epoch, loss_acc / len(train_dl), correct / 400)
    os.makedirs(settings.out_dir, exist_ok=True)
    torch.save(model.state_dict(), os.path.join(settings.out_dir, "model.pth"))


if __name__ == "__main__":
    run(Settings())
