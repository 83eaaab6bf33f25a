# real: source=https://github.com/YU1ut/MixMatch-pytorch/blob/master/train.py
# real: args=
# real: bug=no-zero-grad expect=grads-not-cleared
# real: bug=optimizer-on-ema expect=unoptimized-parameters
"""YU1ut/MixMatch-pytorch: a labeled and an unlabeled loader read with next() and restarted when
exhausted, for a fixed number of iterations an "epoch"; guessed labels from two augmentations of
each unlabeled batch, sharpened, mixed up with the labeled batch (one-hot targets), the model run
on the mixed batches interleaved for BatchNorm; a soft-target cross entropy on the labeled part
and a squared error on the unlabeled one, written by hand (no torch.nn.functional loss); Adam,
and an EMA of the weights (WeightEMA, which also applies weight decay to the trained weights
outside the optimizer); after each "epoch" the EMA model is evaluated on the labeled training
set ("train stats"), the validation set and the test set, with nn.CrossEntropyLoss.
Changed: a small conv net with BatchNorm for the WideResNet-28-2, synthetic 3x32x32 images (a
class's template blended with noise) with a flip and shift as the augmentation, 40 labeled, 640
unlabeled, 128 validation and 128 test images, batch 16, 16 iterations an epoch, 4 epochs, an EMA
decay of 0.9 (0.999 over the repository's million iterations: 64 would leave the EMA model as
initialised); next() for the .next() that today's DataLoader iterators no longer have; no
progress bar, logger, TensorBoard writer or checkpoint files.
Bugs: no-zero-grad leaves out optimizer.zero_grad(); optimizer-on-ema builds Adam over the EMA
model's (detached) parameters instead of the model's."""

import argparse

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim
import torch.utils.data as data

torch.set_num_threads(1)
torch.manual_seed(0)
parser = argparse.ArgumentParser(description='PyTorch MixMatch Training')
parser.add_argument('--epochs', default=4, type=int)
parser.add_argument('--batch-size', default=16, type=int)
parser.add_argument('--lr', default=0.002, type=float)
parser.add_argument('--n-labeled', type=int, default=40)
parser.add_argument('--train-iteration', type=int, default=16)
parser.add_argument('--alpha', default=0.75, type=float)
parser.add_argument('--lambda-u', default=75, type=float)
parser.add_argument('--T', default=0.5, type=float)
parser.add_argument('--ema-decay', default=0.9, type=float)
parser.add_argument('--bug', default='', choices=['', 'no-zero-grad', 'optimizer-on-ema'])
args = parser.parse_args()
np.random.seed(0)
TEMPLATES = torch.rand(10, 3, 8, 8, generator=torch.Generator().manual_seed(5))


def images(n, seed):
    g = torch.Generator().manual_seed(seed)
    y = torch.arange(n) % 10
    coarse = 0.6 * TEMPLATES[y] + 0.4 * torch.rand(n, 3, 8, 8, generator=g)
    x = (F.interpolate(coarse, size=(32, 32), mode='bilinear', align_corners=False) - 0.5) / 0.25
    return x, y


def augment(x):  # RandomPadandCrop + RandomFlip
    if torch.rand(()) < 0.5:
        x = x.flip(2)
    a, b = torch.randint(-4, 5, (2,)).tolist()
    return torch.roll(x, (a, b), (1, 2))


class Labeled(data.Dataset):
    def __init__(self, x, y, train=True):
        self.x, self.y, self.train = x, y, train

    def __len__(self):
        return len(self.y)

    def __getitem__(self, i):
        return (augment(self.x[i]) if self.train else self.x[i]), self.y[i]


class Unlabeled(Labeled):  # TransformTwice
    def __getitem__(self, i):
        return (augment(self.x[i]), augment(self.x[i])), -1


class Net(nn.Module):  # stands for the WideResNet-28-2
    def __init__(self, num_classes=10):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 16, 3, padding=1, bias=False), nn.BatchNorm2d(16, momentum=0.001), nn.LeakyReLU(0.1),
            nn.MaxPool2d(2),
            nn.Conv2d(16, 32, 3, padding=1, bias=False), nn.BatchNorm2d(32, momentum=0.001), nn.LeakyReLU(0.1),
            nn.AdaptiveAvgPool2d(1), nn.Flatten())
        self.fc = nn.Linear(32, num_classes)

    def forward(self, x):
        return self.fc(self.features(x))


def main():
    xl, yl = images(args.n_labeled, 1)
    xu, _ = images(640, 2)
    xv, yv = images(128, 3)
    xt, yt = images(128, 4)
    labeled_trainloader = data.DataLoader(Labeled(xl, yl), batch_size=args.batch_size, shuffle=True, num_workers=0, drop_last=True)
    unlabeled_trainloader = data.DataLoader(Unlabeled(xu, torch.full((len(xu),), -1)), batch_size=args.batch_size, shuffle=True, num_workers=0, drop_last=True)
    val_loader = data.DataLoader(Labeled(xv, yv, train=False), batch_size=args.batch_size, shuffle=False, num_workers=0)
    test_loader = data.DataLoader(Labeled(xt, yt, train=False), batch_size=args.batch_size, shuffle=False, num_workers=0)

    def create_model(ema=False):
        model = Net(num_classes=10)
        if ema:
            for param in model.parameters():
                param.detach_()
        return model

    model = create_model()
    ema_model = create_model(ema=True)

    train_criterion = SemiLoss()
    criterion = nn.CrossEntropyLoss()
    optimizer = optim.Adam((ema_model if args.bug == 'optimizer-on-ema' else model).parameters(), lr=args.lr)
    ema_optimizer = WeightEMA(model, ema_model, alpha=args.ema_decay)

    for epoch in range(args.epochs):
        train_loss, train_loss_x, train_loss_u = train(labeled_trainloader, unlabeled_trainloader, model, optimizer, ema_optimizer, train_criterion, epoch)
        _, train_acc = validate(labeled_trainloader, ema_model, criterion)
        val_loss, val_acc = validate(val_loader, ema_model, criterion)
        test_loss, test_acc = validate(test_loader, ema_model, criterion)
        print(f'epoch {epoch + 1} train loss {train_loss:.4f} (x {train_loss_x:.4f}, u {train_loss_u:.4f}) '
              f'train acc {train_acc:.1f} valid loss {val_loss:.4f} valid acc {val_acc:.1f} test acc {test_acc:.1f}')


def train(labeled_trainloader, unlabeled_trainloader, model, optimizer, ema_optimizer, criterion, epoch):
    losses = losses_x = losses_u = 0.0
    labeled_train_iter = iter(labeled_trainloader)
    unlabeled_train_iter = iter(unlabeled_trainloader)
    model.train()
    for batch_idx in range(args.train_iteration):
        try:
            inputs_x, targets_x = next(labeled_train_iter)
        except StopIteration:
            labeled_train_iter = iter(labeled_trainloader)
            inputs_x, targets_x = next(labeled_train_iter)
        try:
            (inputs_u, inputs_u2), _ = next(unlabeled_train_iter)
        except StopIteration:
            unlabeled_train_iter = iter(unlabeled_trainloader)
            (inputs_u, inputs_u2), _ = next(unlabeled_train_iter)

        batch_size = inputs_x.size(0)
        targets_x = torch.zeros(batch_size, 10).scatter_(1, targets_x.view(-1, 1).long(), 1)

        with torch.no_grad():
            outputs_u = model(inputs_u)
            outputs_u2 = model(inputs_u2)
            p = (torch.softmax(outputs_u, dim=1) + torch.softmax(outputs_u2, dim=1)) / 2
            pt = p ** (1 / args.T)
            targets_u = pt / pt.sum(dim=1, keepdim=True)
            targets_u = targets_u.detach()

        all_inputs = torch.cat([inputs_x, inputs_u, inputs_u2], dim=0)
        all_targets = torch.cat([targets_x, targets_u, targets_u], dim=0)
        lam = np.random.beta(args.alpha, args.alpha)
        lam = max(lam, 1 - lam)
        idx = torch.randperm(all_inputs.size(0))
        input_a, input_b = all_inputs, all_inputs[idx]
        target_a, target_b = all_targets, all_targets[idx]
        mixed_input = lam * input_a + (1 - lam) * input_b
        mixed_target = lam * target_a + (1 - lam) * target_b

        # interleave labeled and unlabeled samples between batches to get correct batchnorm calculation
        mixed_input = list(torch.split(mixed_input, batch_size))
        mixed_input = interleave(mixed_input, batch_size)
        logits = [model(mixed_input[0])]
        for input in mixed_input[1:]:
            logits.append(model(input))
        logits = interleave(logits, batch_size)
        logits_x = logits[0]
        logits_u = torch.cat(logits[1:], dim=0)

        Lx, Lu, w = criterion(logits_x, mixed_target[:batch_size], logits_u, mixed_target[batch_size:], epoch + batch_idx / args.train_iteration)
        loss = Lx + w * Lu
        losses, losses_x, losses_u = losses + loss.item(), losses_x + Lx.item(), losses_u + Lu.item()

        if args.bug != 'no-zero-grad':
            optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        ema_optimizer.step()
    n = args.train_iteration
    return losses / n, losses_x / n, losses_u / n


def validate(valloader, model, criterion):
    losses, correct, total = 0.0, 0, 0
    model.eval()
    with torch.no_grad():
        for inputs, targets in valloader:
            outputs = model(inputs)
            loss = criterion(outputs, targets)
            losses += loss.item() * inputs.size(0)
            correct += (outputs.argmax(1) == targets).sum().item()
            total += inputs.size(0)
    return losses / total, 100.0 * correct / total


def linear_rampup(current, rampup_length=args.epochs):
    if rampup_length == 0:
        return 1.0
    current = np.clip(current / rampup_length, 0.0, 1.0)
    return float(current)


class SemiLoss:
    def __call__(self, outputs_x, targets_x, outputs_u, targets_u, epoch):
        probs_u = torch.softmax(outputs_u, dim=1)
        Lx = -torch.mean(torch.sum(F.log_softmax(outputs_x, dim=1) * targets_x, dim=1))
        Lu = torch.mean((probs_u - targets_u) ** 2)
        return Lx, Lu, args.lambda_u * linear_rampup(epoch)


class WeightEMA:
    def __init__(self, model, ema_model, alpha=0.999):
        self.model = model
        self.ema_model = ema_model
        self.alpha = alpha
        self.params = list(model.state_dict().values())
        self.ema_params = list(ema_model.state_dict().values())
        self.wd = 0.02 * args.lr

        for param, ema_param in zip(self.params, self.ema_params, strict=True):
            param.data.copy_(ema_param.data)

    def step(self):
        one_minus_alpha = 1.0 - self.alpha
        for param, ema_param in zip(self.params, self.ema_params, strict=True):
            if ema_param.dtype == torch.float32:
                ema_param.mul_(self.alpha)
                ema_param.add_(param * one_minus_alpha)
                # customized weight decay
                param.mul_(1 - self.wd)


def interleave_offsets(batch, nu):
    groups = [batch // (nu + 1)] * (nu + 1)
    for x in range(batch - sum(groups)):
        groups[-x - 1] += 1
    offsets = [0]
    for g in groups:
        offsets.append(offsets[-1] + g)
    assert offsets[-1] == batch
    return offsets


def interleave(xy, batch):
    nu = len(xy) - 1
    offsets = interleave_offsets(batch, nu)
    xy = [[v[offsets[p]:offsets[p + 1]] for p in range(nu + 1)] for v in xy]
    for i in range(1, nu + 1):
        xy[0][i], xy[i][i] = xy[i][i], xy[0][i]
    return [torch.cat(v, dim=0) for v in xy]


if __name__ == '__main__':
    main()
