# expect: TVL016
# style: engine class with an OptimizerHook-like helper, mixed precision training of a text CNN classifier
# bug: AmpOptimizerHook.after_backward() calls self.clip_grads() before self.scaler.unscale_(); clipping therefore sees scaled gradients, and the later unscale_ only divides the (already clipped) gradients by the scale
import argparse
import logging

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

logger = logging.getLogger("engine")


class AmpOptimizerHook:
    def __init__(self, optimizer, scaler, grad_clip=None):
        self.optimizer = optimizer
        self.scaler = scaler
        self.grad_clip = grad_clip

    def clip_grads(self, params):
        params = [p for p in params if p.requires_grad and p.grad is not None]
        if self.grad_clip is not None and params:
            return nn.utils.clip_grad_norm_(params, **self.grad_clip)
        return None

    def before_iter(self):
        self.optimizer.zero_grad(set_to_none=True)

    def backward(self, loss):
        self.scaler.scale(loss).backward()

    def after_backward(self, model):
        norm = self.clip_grads(model.parameters())
        self.scaler.unscale_(self.optimizer)
        self.scaler.step(self.optimizer)
        self.scaler.update()
        return norm


class TextCNN(nn.Module):
    def __init__(self, vocab, emb=128, n_filters=100, sizes=(3, 4, 5), n_classes=4):
        super().__init__()
        self.emb = nn.Embedding(vocab, emb, padding_idx=0)
        self.convs = nn.ModuleList([nn.Conv1d(emb, n_filters, k) for k in sizes])
        self.drop = nn.Dropout(0.5)
        self.fc = nn.Linear(n_filters * len(sizes), n_classes)

    def forward(self, ids):
        x = self.emb(ids).transpose(1, 2)
        x = torch.cat([F.relu(c(x)).max(dim=2).values for c in self.convs], 1)
        return self.fc(self.drop(x))


class Engine:
    def __init__(self, model, opt_hook, device, amp=True):
        self.model = model.to(device)
        self.opt_hook = opt_hook
        self.device = device
        self.amp = amp
        self.iter = 0

    def run_iter(self, batch):
        ids, y = (t.to(self.device) for t in batch)
        self.opt_hook.before_iter()
        with torch.autocast(device_type="cuda", dtype=torch.float16, enabled=self.amp):
            loss = F.cross_entropy(self.model(ids), y)
        self.opt_hook.backward(loss)
        norm = self.opt_hook.after_backward(self.model)
        self.iter += 1
        return loss.item(), norm

    def train_epoch(self, loader, epoch):
        self.model.train()
        for batch in loader:
            loss, norm = self.run_iter(batch)
            if self.iter % 100 == 0:
                logger.info("epoch %d iter %d loss %.4f grad_norm %s", epoch, self.iter, loss,
                            f"{norm:.3f}" if norm is not None else "n/a")

    @torch.no_grad()
    def evaluate(self, loader):
        self.model.eval()
        hit, n = 0, 0
        for ids, y in loader:
            with torch.autocast(device_type="cuda", dtype=torch.float16, enabled=self.amp):
                pred = self.model(ids.to(self.device)).argmax(1).cpu()
            hit += (pred == y).sum().item()
            n += len(y)
        return hit / n


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=8)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--max-norm", type=float, default=3.0)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    amp = device == "cuda"

    ids = torch.randint(1, 20000, (24000, 80))
    labels = ids[:, :5].sum(1) % 4
    train_dl = DataLoader(TensorDataset(ids[:20000], labels[:20000]), batch_size=64, shuffle=True)
    val_dl = DataLoader(TensorDataset(ids[20000:], labels[20000:]), batch_size=512)

    model = TextCNN(20000)
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    scaler = torch.amp.GradScaler("cuda", enabled=amp)
    hook = AmpOptimizerHook(optimizer, scaler, grad_clip={"max_norm": args.max_norm, "norm_type": 2})
    engine = Engine(model, hook, device, amp)
    for epoch in range(args.epochs):
        engine.train_epoch(train_dl, epoch)
        logger.info("epoch %d val acc %.4f", epoch, engine.evaluate(val_dl))
    torch.save(model.state_dict(), "textcnn_amp.pt")


if __name__ == "__main__":
    main()
