# expect: TVL014
# style: torchaudio wav2vec2-style fine-tuning recipe reading the pretrained path from an environment variable
# bug: load_pretrained(path) calls torch.load(path) without weights_only=True, and path comes from os.environ["PRETRAINED_CKPT"]
import argparse
import os

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


class FeatureEncoder(nn.Module):
    def __init__(self, dim=256):
        super().__init__()
        self.conv = nn.Sequential(nn.Conv1d(1, dim, 10, 5), nn.GELU(), nn.Conv1d(dim, dim, 3, 2), nn.GELU(),
                                  nn.Conv1d(dim, dim, 3, 2), nn.GELU())

    def forward(self, wav):
        return self.conv(wav).transpose(1, 2)


class Wav2VecForSequenceClassification(nn.Module):
    def __init__(self, num_labels=6, dim=256):
        super().__init__()
        self.encoder = FeatureEncoder(dim)
        self.projector = nn.Linear(dim, 128)
        self.classifier = nn.Linear(128, num_labels)

    def forward(self, wav):
        return self.classifier(self.projector(self.encoder(wav)).mean(1))


def load_pretrained(model, path):
    state = torch.load(path, map_location="cpu")
    if "model" in state:
        state = state["model"]
    enc = {k[len("encoder."):]: v for k, v in state.items() if k.startswith("encoder.")}
    missing, unexpected = model.encoder.load_state_dict(enc, strict=False)
    print(f"loaded encoder: {len(missing)} missing, {len(unexpected)} unexpected keys")


def main():
    parser = argparse.ArgumentParser(description="emotion recognition fine-tuning")
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--lr", type=float, default=5e-5)
    args = parser.parse_args()
    model = Wav2VecForSequenceClassification()
    ckpt_path = os.environ.get("PRETRAINED_CKPT")
    if ckpt_path:
        load_pretrained(model, ckpt_path)
    ds = TensorDataset(torch.randn(96, 1, 16000), torch.randint(0, 6, (96,)))
    loader = DataLoader(ds, batch_size=8, shuffle=True)
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr)
    for epoch in range(args.epochs):
        model.train()
        for wav, label in loader:
            loss = F.cross_entropy(model(wav), label)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        print(f"epoch {epoch} loss {loss.item():.4f}")


if __name__ == "__main__":
    main()
