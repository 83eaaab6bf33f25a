# expect: TVL014
# style: PointNet++-like segmentation fine-tuning where the pretrained checkpoint path comes from an environment variable (cluster job script convention)
# bug: load_pretrained() calls torch.load(path) without weights_only=True, and path comes from os.environ["PRETRAINED_CKPT"]
import os
import logging
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

log = logging.getLogger("finetune")
PRETRAINED = os.environ.get("PRETRAINED_CKPT", "")
EPOCHS = int(os.environ.get("EPOCHS", "40"))


class SharedMLP(nn.Sequential):
    def __init__(self, dims):
        layers = []
        for a, b in zip(dims[:-1], dims[1:]):
            layers += [nn.Conv1d(a, b, 1), nn.BatchNorm1d(b), nn.ReLU()]
        super().__init__(*layers)


class PointSegNet(nn.Module):
    def __init__(self, num_parts=50):
        super().__init__()
        self.encoder = SharedMLP([3, 64, 128, 256])
        self.decoder = SharedMLP([256 + 256, 256, 128])
        self.seg_head = nn.Conv1d(128, num_parts, 1)

    def forward(self, pts):
        feat = self.encoder(pts)
        glob = feat.max(dim=2, keepdim=True).values.expand_as(feat)
        return self.seg_head(self.decoder(torch.cat([feat, glob], dim=1)))


def load_pretrained(model, path):
    state = torch.load(path, map_location="cpu")
    state = state.get("state_dict", state)
    enc_state = {k[len("encoder."):]: v for k, v in state.items() if k.startswith("encoder.")}
    missing, unexpected = model.encoder.load_state_dict(enc_state, strict=False)
    log.info("loaded encoder from %s (missing=%d, unexpected=%d)", path, len(missing), len(unexpected))


def main():
    logging.basicConfig(level=logging.INFO)
    model = PointSegNet()
    if PRETRAINED:
        load_pretrained(model, PRETRAINED)
    pts = torch.randn(256, 3, 1024)
    seg = torch.randint(0, 50, (256, 1024))
    loader = DataLoader(TensorDataset(pts, seg), batch_size=16, shuffle=True, drop_last=True)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, weight_decay=1e-4)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=20, gamma=0.5)
    for epoch in range(EPOCHS):
        model.train()
        losses = []
        for x, y in loader:
            loss = F.cross_entropy(model(x), y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
        scheduler.step()
        log.info("epoch %d loss %.4f", epoch, sum(losses) / len(losses))


if __name__ == "__main__":
    main()
