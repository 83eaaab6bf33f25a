# expect: TVL001
# style: Hugging Face accelerate training loop (accelerator.backward), text classification with a small encoder
# bug: Trainer.forward_step is decorated with @torch.inference_mode(); train_epoch takes the loss from it and backpropagates
import argparse
import torch
import torch.nn as nn
from accelerate import Accelerator
from torch.utils.data import DataLoader, TensorDataset


class BagOfEmbeddings(nn.Module):
    def __init__(self, vocab, dim, n_labels):
        super().__init__()
        self.emb = nn.EmbeddingBag(vocab, dim, mode="mean")
        self.mlp = nn.Sequential(nn.Linear(dim, dim), nn.GELU(), nn.Linear(dim, n_labels))

    def forward(self, input_ids):
        return self.mlp(self.emb(input_ids))


class Trainer:
    def __init__(self, model, optimizer, accelerator):
        self.model, self.optimizer, self.acc = model, optimizer, accelerator
        self.loss_fn = nn.CrossEntropyLoss(label_smoothing=0.1)

    @torch.inference_mode()
    def forward_step(self, batch):
        input_ids, labels = batch
        logits = self.model(input_ids)
        return self.loss_fn(logits, labels), logits

    def train_epoch(self, loader):
        self.model.train()
        for step, batch in enumerate(loader):
            loss, _ = self.forward_step(batch)
            self.acc.backward(loss)
            self.optimizer.step()
            self.optimizer.zero_grad()
            if step % 50 == 0:
                self.acc.print(f"step {step} loss {loss.item():.4f}")

    def evaluate(self, loader):
        self.model.eval()
        hits = n = 0
        with torch.no_grad():
            for input_ids, labels in loader:
                preds = self.model(input_ids).argmax(-1)
                preds, labels = self.acc.gather_for_metrics((preds, labels))
                hits += (preds == labels).sum().item()
                n += labels.numel()
        return hits / n


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--num_train_epochs", type=int, default=3)
    parser.add_argument("--learning_rate", type=float, default=5e-4)
    parser.add_argument("--mixed_precision", default="no")
    args = parser.parse_args()
    accelerator = Accelerator(mixed_precision=args.mixed_precision)
    ids = torch.randint(1, 30000, (10000, 64))
    labels = torch.randint(0, 4, (10000,))
    train_dl = DataLoader(TensorDataset(ids[:9000], labels[:9000]), batch_size=32, shuffle=True)
    eval_dl = DataLoader(TensorDataset(ids[9000:], labels[9000:]), batch_size=64)
    model = BagOfEmbeddings(30000, 256, 4)
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.learning_rate)
    model, optimizer, train_dl, eval_dl = accelerator.prepare(model, optimizer, train_dl, eval_dl)
    trainer = Trainer(model, optimizer, accelerator)
    for epoch in range(args.num_train_epochs):
        trainer.train_epoch(train_dl)
        accelerator.print(f"epoch {epoch}: acc={trainer.evaluate(eval_dl):.4f}")


if __name__ == "__main__":
    main()
