# expect: clean
# style: SimSiam-style pretraining engine with an `Engine.run_iteration` and a stop-gradient utility
# note: `stop_gradient` detaches one branch of each symmetric loss term, but the other term still carries gradients from the predictor and encoder, so both are trained
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


def stop_gradient(t):
    return t.detach()


def neg_cos(p, z):
    return -F.cosine_similarity(p, stop_gradient(z), dim=-1).mean()


class SimSiam(nn.Module):
    def __init__(self, d_in=64, dim=128, pred_dim=32):
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(d_in, 256), nn.BatchNorm1d(256), nn.ReLU(),
                                     nn.Linear(256, dim), nn.BatchNorm1d(dim))
        self.predictor = nn.Sequential(nn.Linear(dim, pred_dim), nn.BatchNorm1d(pred_dim), nn.ReLU(),
                                       nn.Linear(pred_dim, dim))

    def forward(self, x1, x2):
        z1, z2 = self.encoder(x1), self.encoder(x2)
        p1, p2 = self.predictor(z1), self.predictor(z2)
        return p1, p2, z1, z2


def jitter(x):
    return x * (1 + 0.1 * torch.randn_like(x)) + 0.05 * torch.randn_like(x)


class Engine:
    def __init__(self, model, optimizer, loader):
        self.model, self.optimizer, self.loader = model, optimizer, loader
        self.state = {"iteration": 0, "epoch": 0, "loss": 0.0, "z_std": 0.0}

    def run_iteration(self, batch):
        (x,) = batch
        p1, p2, z1, z2 = self.model(jitter(x), jitter(x))
        loss = 0.5 * neg_cos(p1, z2) + 0.5 * neg_cos(p2, z1)
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()
        self.state["iteration"] += 1
        self.state["loss"] = loss.item()
        self.state["z_std"] = F.normalize(z1.detach(), dim=1).std(0).mean().item()

    def run(self, epochs):
        for ep in range(epochs):
            self.state["epoch"] = ep
            self.model.train()
            for batch in self.loader:
                self.run_iteration(batch)
            print(f"epoch {ep} loss {self.state['loss']:.4f} z_std {self.state['z_std']:.4f}")


if __name__ == "__main__":
    # sensor-window features for human activity recognition
    feats = torch.randn(6000, 64)
    model = SimSiam()
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9, weight_decay=1e-4)
    Engine(model, opt, DataLoader(TensorDataset(feats), batch_size=256, shuffle=True, drop_last=True)).run(10)
