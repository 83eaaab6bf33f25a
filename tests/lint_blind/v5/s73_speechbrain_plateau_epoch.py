# expect: clean
# style: SpeechBrain-like Brain subclass (compute_forward / compute_objectives / fit_batch / on_stage_end) written by hand; speaker-age regression
# note: ReduceLROnPlateau is stepped once per epoch with the validation loss inside on_stage_end; eval()/train() are toggled by the stage logic; regression output is squeezed to (B,)
import argparse
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

TRAIN, VALID = "train", "valid"


class Brain:
    def __init__(self, modules, opt_class, hparams):
        self.modules = nn.ModuleDict(modules)
        self.optimizer = opt_class(self.modules.parameters())
        self.scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(self.optimizer, factor=0.5, patience=2)
        self.hparams = hparams

    def compute_forward(self, feats):
        emb = self.modules["encoder"](feats).mean(dim=1)
        return self.modules["regressor"](emb).squeeze(-1)

    def compute_objectives(self, pred, age):
        return F.l1_loss(pred, age)

    def fit_batch(self, batch):
        feats, age = batch
        loss = self.compute_objectives(self.compute_forward(feats), age)
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()
        return loss.detach()

    @torch.no_grad()
    def evaluate_batch(self, batch):
        feats, age = batch
        return self.compute_objectives(self.compute_forward(feats), age)

    def on_stage_end(self, stage, stage_loss, epoch):
        if stage == VALID:
            self.scheduler.step(stage_loss)
            print(f"epoch {epoch} valid MAE {stage_loss:.3f} lr {self.optimizer.param_groups[0]['lr']:.2e}")

    def fit(self, epochs, train_set, valid_set):
        for epoch in range(epochs):
            self.modules.train()
            losses = [self.fit_batch(b).item() for b in train_set]
            print(f"epoch {epoch} train MAE {sum(losses) / len(losses):.3f}")
            self.modules.eval()
            vl = [self.evaluate_batch(b).item() for b in valid_set]
            self.on_stage_end(VALID, sum(vl) / len(vl), epoch)


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--number_of_epochs", type=int, default=25)
    ap.add_argument("--lr", type=float, default=1e-3)
    args = ap.parse_args()
    feats, ages = torch.randn(1200, 150, 40), torch.rand(1200) * 60 + 18
    train_set = DataLoader(TensorDataset(feats[:1000], ages[:1000]), batch_size=32, shuffle=True)
    valid_set = DataLoader(TensorDataset(feats[1000:], ages[1000:]), batch_size=64)
    modules = {"encoder": nn.Sequential(nn.Linear(40, 256), nn.LeakyReLU(), nn.Linear(256, 256), nn.LeakyReLU()),
               "regressor": nn.Linear(256, 1)}
    brain = Brain(modules, lambda params: torch.optim.Adam(params, lr=args.lr), vars(args))
    brain.fit(args.number_of_epochs, train_set, valid_set)
