# expect: TVL013
# style: HF-Trainer-like class that installs an input-normalisation pre-hook on the model, image regression (age estimation)
# bug: compute_loss calls model.forward(pixel_values), so the input-normalisation forward pre-hook that _register_input_norm() puts on the model never runs during training (evaluate() calls self.model(...) and does get it)
import logging
from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

logger = logging.getLogger("age")


@dataclass
class TrainingArguments:
    output_dir: str = "out/age"
    num_train_epochs: int = 6
    learning_rate: float = 3e-4
    per_device_train_batch_size: int = 32
    image_mean: tuple = (0.485, 0.456, 0.406)
    image_std: tuple = (0.229, 0.224, 0.225)
    logging_steps: int = 25


class FaceAges(Dataset):
    def __init__(self, n, seed=0):
        g = torch.Generator().manual_seed(seed)
        self.x = torch.rand(n, 3, 64, 64, generator=g)
        self.age = torch.randint(1, 90, (n,), generator=g).float()

    def __len__(self):
        return len(self.x)

    def __getitem__(self, i):
        return {"pixel_values": self.x[i], "labels": self.age[i]}


class AgeNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(3, 32, 3, 2, 1), nn.ReLU(), nn.Conv2d(32, 64, 3, 2, 1), nn.ReLU(),
                                      nn.Conv2d(64, 128, 3, 2, 1), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten())
        self.regressor = nn.Linear(128, 1)

    def forward(self, pixel_values):
        return self.regressor(self.features(pixel_values)).squeeze(-1)


class Trainer:
    def __init__(self, model, args, train_dataset, eval_dataset=None):
        self.model, self.args = model, args
        self.train_dataset, self.eval_dataset = train_dataset, eval_dataset
        self.optimizer = torch.optim.AdamW(model.parameters(), lr=args.learning_rate)
        self._register_input_norm()
        self.global_step = 0

    def _register_input_norm(self):
        mean = torch.tensor(self.args.image_mean).view(1, 3, 1, 1)
        std = torch.tensor(self.args.image_std).view(1, 3, 1, 1)

        def pre_hook(module, args):
            (pixel_values,) = args
            return ((pixel_values - mean) / std,)
        self._norm_handle = self.model.register_forward_pre_hook(pre_hook)

    def compute_loss(self, model, inputs):
        preds = model.forward(inputs["pixel_values"])
        return F.l1_loss(preds, inputs["labels"])

    def training_step(self, inputs):
        self.model.train()
        loss = self.compute_loss(self.model, inputs)
        loss.backward()
        return loss.detach()

    def train(self):
        loader = DataLoader(self.train_dataset, batch_size=self.args.per_device_train_batch_size, shuffle=True)
        for epoch in range(self.args.num_train_epochs):
            for inputs in loader:
                self.optimizer.zero_grad()
                loss = self.training_step(inputs)
                self.optimizer.step()
                self.global_step += 1
                if self.global_step % self.args.logging_steps == 0:
                    logger.info("step %d loss %.3f", self.global_step, loss.item())
            if self.eval_dataset is not None:
                logger.info("epoch %d eval MAE %.3f", epoch, self.evaluate())
        torch.save(self.model.state_dict(), f"{self.args.output_dir}/pytorch_model.bin")

    @torch.no_grad()
    def evaluate(self):
        self.model.eval()
        loader = DataLoader(self.eval_dataset, batch_size=128)
        err = sum((self.model(b["pixel_values"]) - b["labels"]).abs().sum().item() for b in loader)
        self.model.train()
        return err / len(self.eval_dataset)


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    Trainer(AgeNet(), TrainingArguments(), FaceAges(4000), FaceAges(500, seed=1)).train()
