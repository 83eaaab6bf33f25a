# expect: clean
# style: Trainer class with predict() helper, multi-label audio event tagging (AudioSet-like)
# note: torch.sigmoid appears in the model file, but only inside predict() for thresholding; the training loss is BCEWithLogitsLoss on the raw logits.
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

N_EVENTS = 27


class CRNNTagger(nn.Module):
    def __init__(self, n_mels=64, hidden=128):
        super().__init__()
        self.cnn = nn.Sequential(
            nn.Conv2d(1, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d((2, 1)),
            nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d((2, 1)),
        )
        self.gru = nn.GRU(64 * (n_mels // 4), hidden, batch_first=True, bidirectional=True)
        self.fc = nn.Linear(2 * hidden, N_EVENTS)

    def forward(self, mel):
        h = self.cnn(mel)  # (B, C, F', T)
        h = h.permute(0, 3, 1, 2).flatten(2)
        h, _ = self.gru(h)
        return self.fc(h.max(dim=1).values)

    @torch.no_grad()
    def predict(self, mel, threshold=0.5):
        probs = torch.sigmoid(self(mel))
        return probs, (probs > threshold).long()


class TaggerTrainer:
    def __init__(self, model, pos_weight):
        self.model = model
        self.criterion = nn.BCEWithLogitsLoss(pos_weight=pos_weight)
        self.opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=1e-3)

    def train_epoch(self, loader):
        self.model.train()
        total = 0.0
        for mel, target in loader:
            logits = self.model(mel)
            loss = self.criterion(logits, target)
            self.opt.zero_grad()
            loss.backward()
            self.opt.step()
            total += loss.item()
        return total / len(loader)

    def evaluate(self, loader):
        self.model.eval()
        tp = fp = fn = 0
        for mel, target in loader:
            _, hard = self.model.predict(mel)
            tp += ((hard == 1) & (target == 1)).sum().item()
            fp += ((hard == 1) & (target == 0)).sum().item()
            fn += ((hard == 0) & (target == 1)).sum().item()
        return 2 * tp / max(2 * tp + fp + fn, 1)


if __name__ == "__main__":
    mel = torch.randn(1500, 1, 64, 100)
    tgt = (torch.rand(1500, N_EVENTS) < 0.08).float()
    pos_weight = ((1 - tgt[:1300]).sum(0) / tgt[:1300].sum(0).clamp(min=1)).clamp(max=20)
    tr = DataLoader(TensorDataset(mel[:1300], tgt[:1300]), batch_size=32, shuffle=True)
    va = DataLoader(TensorDataset(mel[1300:], tgt[1300:]), batch_size=100)
    trainer = TaggerTrainer(CRNNTagger(), pos_weight)
    for epoch in range(8):
        loss = trainer.train_epoch(tr)
        print(f"epoch {epoch} bce {loss:.4f} micro-F1 {trainer.evaluate(va):.3f}")
