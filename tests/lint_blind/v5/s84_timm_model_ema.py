# expect: clean
# style: timm ModelEmaV2-like weight EMA in an image-classification train loop (timm train.py flavour, trimmed)
# note: the EMA copy has requires_grad disabled, is updated under no_grad after each optimizer step, and is only evaluated; the optimizer holds only the live model
import argparse
import copy
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


class ModelEma(nn.Module):
    def __init__(self, model, decay=0.9998):
        super().__init__()
        self.module = copy.deepcopy(model)
        self.module.eval()
        self.module.requires_grad_(False)
        self.decay = decay

    @torch.no_grad()
    def update(self, model):
        for ema_v, model_v in zip(self.module.state_dict().values(), model.state_dict().values()):
            if ema_v.dtype.is_floating_point:
                ema_v.mul_(self.decay).add_(model_v, alpha=1 - self.decay)
            else:
                ema_v.copy_(model_v)


def create_model(num_classes=100):
    return nn.Sequential(nn.Conv2d(3, 48, 3, 1, 1), nn.BatchNorm2d(48), nn.SiLU(),
                         nn.Conv2d(48, 96, 3, 2, 1), nn.BatchNorm2d(96), nn.SiLU(),
                         nn.Conv2d(96, 192, 3, 2, 1), nn.BatchNorm2d(192), nn.SiLU(),
                         nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Dropout(0.2), nn.Linear(192, num_classes))


@torch.no_grad()
def validate(model, loader):
    model.eval()
    correct = sum((model(x).argmax(1) == y).sum().item() for x, y in loader)
    return 100.0 * correct / len(loader.dataset)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=30)
    ap.add_argument("--model-ema-decay", type=float, default=0.999)
    args = ap.parse_args()
    x, y = torch.randn(6000, 3, 32, 32), torch.randint(0, 100, (6000,))
    loader_train = DataLoader(TensorDataset(x[:5000], y[:5000]), batch_size=128, shuffle=True, drop_last=True)
    loader_eval = DataLoader(TensorDataset(x[5000:], y[5000:]), batch_size=256)
    model = create_model()
    model_ema = ModelEma(model, decay=args.model_ema_decay)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=5e-4, nesterov=True)
    lr_scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=args.epochs)
    for epoch in range(args.epochs):
        model.train()
        for inp, target in loader_train:
            loss = F.cross_entropy(model(inp), target, label_smoothing=0.1)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            model_ema.update(model)
        lr_scheduler.step()
        top1, top1_ema = validate(model, loader_eval), validate(model_ema.module, loader_eval)
        print(f"epoch {epoch}: loss {loss.item():.3f} top1 {top1:.2f} ema top1 {top1_ema:.2f}")


if __name__ == "__main__":
    main()
