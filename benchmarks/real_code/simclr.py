# real: source=https://github.com/sthalles/SimCLR/blob/master/simclr.py
# real: args=
# real: bug=eval-at-log expect=training-in-eval-mode
# real: bug=no-zero-grad expect=grads-not-cleared
"""sthalles/SimCLR: two augmented views of each image through a backbone with an MLP projection
head, the InfoNCE loss as cross_entropy over [positive, negatives] similarity logits / temperature
with every label 0 (the positive is column 0), Adam(3e-4, weight decay 1e-4), a GradScaler and
autocast (off on the CPU, as with --fp16-precision unset), top-1/top-5 accuracy of the logits
computed every few steps, CosineAnnealingLR stepped per epoch after a warm-up. Changed: a small
conv backbone for torchvision's resnet18 (its fc replaced by the same Linear-ReLU-Linear head),
synthetic 3x24x24 images (smooth random patterns) with random crops, flips and colour
scaling as the two views, batch 32 (drop_last), 5 epochs, warm-up 2 epochs, no TensorBoard
writer or checkpoint files."""

import argparse
import logging

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

torch.manual_seed(0)
torch.set_num_threads(1)

parser = argparse.ArgumentParser(description='PyTorch SimCLR')
parser.add_argument('--epochs', default=5, type=int)
parser.add_argument('-b', '--batch-size', default=32, type=int)
parser.add_argument('--lr', '--learning-rate', default=0.0003, type=float, dest='lr')
parser.add_argument('--wd', '--weight-decay', default=1e-4, type=float, dest='weight_decay')
parser.add_argument('--fp16-precision', action='store_true')
parser.add_argument('--out_dim', default=32, type=int)
parser.add_argument('--log-every-n-steps', default=10, type=int)
parser.add_argument('--temperature', default=0.07, type=float)
parser.add_argument('--n-views', default=2, type=int)
parser.add_argument('--bug', default='', choices=['', 'eval-at-log', 'no-zero-grad'])


class Views(Dataset):
    """Two random views of each image (ContrastiveLearningViewGenerator over random crops, flips
    and colour changes) of smooth random images."""

    def __init__(self, n, n_views):
        g = torch.Generator().manual_seed(1)
        coarse = torch.rand(n, 3, 7, 7, generator=g)
        self.images = F.interpolate(coarse, size=(28, 28), mode="bilinear", align_corners=False)
        self.n_views = n_views

    def __len__(self):
        return len(self.images)

    def view(self, img):
        i, j = torch.randint(0, 5, (2,)).tolist()
        v = img[:, i:i + 24, j:j + 24]
        if torch.rand(()) < 0.5:
            v = v.flip(2)
        return (v * (0.8 + 0.4 * torch.rand(3, 1, 1))).clamp(0, 1)

    def __getitem__(self, k):
        return [self.view(self.images[k]) for _ in range(self.n_views)], 0


class ResNetSimCLR(nn.Module):
    def __init__(self, out_dim):
        super().__init__()
        self.backbone = nn.Sequential(
            nn.Conv2d(3, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(16, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.AdaptiveAvgPool2d(1),
            nn.Flatten(), nn.Linear(32, out_dim))
        dim_mlp = self.backbone[-1].in_features
        # add mlp projection head
        self.backbone[-1] = nn.Sequential(nn.Linear(dim_mlp, dim_mlp), nn.ReLU(), self.backbone[-1])

    def forward(self, x):
        return self.backbone(x)


def accuracy(output, target, topk=(1,)):
    with torch.no_grad():
        maxk = max(topk)
        batch_size = target.size(0)
        _, pred = output.topk(maxk, 1, True, True)
        pred = pred.t()
        correct = pred.eq(target.view(1, -1).expand_as(pred))
        res = []
        for k in topk:
            correct_k = correct[:k].reshape(-1).float().sum(0, keepdim=True)
            res.append(correct_k.mul_(100.0 / batch_size))
        return res


class SimCLR:
    def __init__(self, *args, **kwargs):
        self.args = kwargs['args']
        self.model = kwargs['model'].to(self.args.device)
        self.optimizer = kwargs['optimizer']
        self.scheduler = kwargs['scheduler']
        self.criterion = torch.nn.CrossEntropyLoss().to(self.args.device)

    def info_nce_loss(self, features):
        labels = torch.cat([torch.arange(self.args.batch_size) for i in range(self.args.n_views)], dim=0)
        labels = (labels.unsqueeze(0) == labels.unsqueeze(1)).float()
        labels = labels.to(self.args.device)
        features = F.normalize(features, dim=1)
        similarity_matrix = torch.matmul(features, features.T)
        # discard the main diagonal from both: labels and similarities matrix
        mask = torch.eye(labels.shape[0], dtype=torch.bool).to(self.args.device)
        labels = labels[~mask].view(labels.shape[0], -1)
        similarity_matrix = similarity_matrix[~mask].view(similarity_matrix.shape[0], -1)
        # select and combine multiple positives
        positives = similarity_matrix[labels.bool()].view(labels.shape[0], -1)
        # select only the negatives the negatives
        negatives = similarity_matrix[~labels.bool()].view(similarity_matrix.shape[0], -1)
        logits = torch.cat([positives, negatives], dim=1)
        labels = torch.zeros(logits.shape[0], dtype=torch.long).to(self.args.device)
        logits = logits / self.args.temperature
        return logits, labels

    def train(self, train_loader):
        scaler = torch.amp.GradScaler("cpu", enabled=self.args.fp16_precision)
        n_iter = 0
        for epoch_counter in range(self.args.epochs):
            for images, _ in train_loader:
                images = torch.cat(images, dim=0)
                images = images.to(self.args.device)
                with torch.autocast("cpu", enabled=self.args.fp16_precision):
                    features = self.model(images)
                    logits, labels = self.info_nce_loss(features)
                    loss = self.criterion(logits, labels)
                if self.args.bug != 'no-zero-grad':
                    self.optimizer.zero_grad()
                scaler.scale(loss).backward()
                scaler.step(self.optimizer)
                scaler.update()
                if n_iter % self.args.log_every_n_steps == 0:
                    if self.args.bug == 'eval-at-log':  # eval() for the logged accuracy, train() never called again
                        self.model.eval()
                    top1, top5 = accuracy(logits, labels, topk=(1, 5))
                    print(f"iter {n_iter} loss {loss.item():.4f} top1 {top1[0]:.1f} top5 {top5[0]:.1f} "
                          f"lr {self.scheduler.get_last_lr()[0]:.2e}")
                n_iter += 1
            # warmup for the first 2 epochs
            if epoch_counter >= 2:
                self.scheduler.step()
            logging.debug(f"Epoch: {epoch_counter}\tLoss: {loss}\tTop1 accuracy: {top1[0]}")


def main():
    args = parser.parse_args()
    assert args.n_views == 2, "Only two view training is supported. Please use --n-views 2."
    args.device = torch.device('cpu')
    train_dataset = Views(640, args.n_views)
    train_loader = DataLoader(train_dataset, batch_size=args.batch_size, shuffle=True, drop_last=True)
    model = ResNetSimCLR(out_dim=args.out_dim)
    optimizer = torch.optim.Adam(model.parameters(), args.lr, weight_decay=args.weight_decay)
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=len(train_loader), eta_min=0, last_epoch=-1)
    simclr = SimCLR(model=model, optimizer=optimizer, scheduler=scheduler, args=args)
    simclr.train(train_loader)


if __name__ == "__main__":
    main()
