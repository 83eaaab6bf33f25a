# expect: TVL016
# style: speech emotion recognition fine-tuning on raw waveforms with torch.cuda.amp (conv feature encoder + transformer), research script
# bug: the loop calls scaler.step(optimizer) but never scaler.update(), so the loss scale never backs off after overflows (and never grows)
import argparse
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.cuda.amp import GradScaler, autocast
from torch.utils.data import DataLoader, TensorDataset


class ConvFeatureEncoder(nn.Module):
    def __init__(self, dim=256):
        super().__init__()
        spec = [(1, 64, 10, 5), (64, 128, 3, 2), (128, 128, 3, 2), (128, dim, 2, 2)]
        self.layers = nn.Sequential(*[nn.Sequential(nn.Conv1d(i, o, k, s), nn.GroupNorm(1, o), nn.GELU())
                                      for i, o, k, s in spec])

    def forward(self, wav):
        return self.layers(wav.unsqueeze(1)).transpose(1, 2)


class EmotionModel(nn.Module):
    def __init__(self, n_emotions=6, dim=256):
        super().__init__()
        self.feature_extractor = ConvFeatureEncoder(dim)
        layer = nn.TransformerEncoderLayer(dim, 4, 512, batch_first=True, norm_first=True)
        self.encoder = nn.TransformerEncoder(layer, 3)
        self.classifier = nn.Linear(dim, n_emotions)

    def forward(self, wav):
        h = self.encoder(self.feature_extractor(wav))
        return self.classifier(h.mean(1))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=15)
    ap.add_argument("--lr", type=float, default=1e-4)
    ap.add_argument("--fp16", action="store_true")
    args = ap.parse_args()
    device = "cuda"
    wavs, labels = torch.randn(600, 16000), torch.randint(0, 6, (600,))
    train_loader = DataLoader(TensorDataset(wavs[:500], labels[:500]), batch_size=8, shuffle=True, num_workers=2)
    dev_loader = DataLoader(TensorDataset(wavs[500:], labels[500:]), batch_size=16)
    model = EmotionModel().to(device)
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.01)
    scaler = GradScaler(enabled=args.fp16)

    for epoch in range(args.epochs):
        model.train()
        for step, (wav, y) in enumerate(train_loader):
            wav, y = wav.to(device), y.to(device)
            optimizer.zero_grad()
            with autocast(enabled=args.fp16):
                loss = F.cross_entropy(model(wav), y)
            scaler.scale(loss).backward()
            scaler.step(optimizer)
            if step % 20 == 0:
                print(f"ep {epoch} step {step} loss {loss.item():.4f} scale {scaler.get_scale():.0f}")
        model.eval()
        correct = 0
        with torch.no_grad(), autocast(enabled=args.fp16):
            for wav, y in dev_loader:
                correct += (model(wav.to(device)).argmax(-1).cpu() == y).sum().item()
        print(f"epoch {epoch}: dev acc {correct / len(dev_loader.dataset):.3f}")


if __name__ == "__main__":
    main()
