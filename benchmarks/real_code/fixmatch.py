# real: source=https://github.com/kekmodel/FixMatch-pytorch/blob/master/train.py
# real: args=
# real: bug=no-de-interleave expect=loss-not-decreasing,worse-than-baseline,metric-stagnation
# real: bug=no-zero-grad expect=grads-not-cleared
"""kekmodel/FixMatch-pytorch: a labeled and an unlabeled loader read with next() and restarted
when exhausted (the labeled one every few steps), one forward over labeled, weakly and strongly
augmented unlabeled images interleaved for BatchNorm and de-interleaved after, cross_entropy on the
labels plus the unlabeled loss on confident pseudo-labels (reduction='none', masked), SGD with
Nesterov momentum and weight decay, a cosine schedule with warm-up stepped every iteration,
model.zero_grad() after the step, an EMA copy of the model evaluated under no_grad after each
"epoch" of eval_step iterations. Changed: a small conv net with BatchNorm for the WideResNet,
synthetic 3x32x32 images (a class's template blended with noise) with a flip and shift as the
weak augmentation and added noise, colour scaling and a cutout as the strong one, 40 labeled,
1,024 unlabeled and 256 test images, mu 3, batch 16, eval_step 16, 4 epochs, lr 0.03; next()
for the .next() that today's DataLoader iterators no longer have (the repository notes the
error); no TensorBoard writer or checkpoint files."""

import argparse
import math
from copy import deepcopy

import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim
from torch.optim.lr_scheduler import LambdaLR
from torch.utils.data import DataLoader, Dataset, RandomSampler, SequentialSampler

torch.set_num_threads(1)
torch.manual_seed(0)
parser = argparse.ArgumentParser(description='PyTorch FixMatch Training')
parser.add_argument('--epochs', default=4, type=int)
parser.add_argument('--eval-step', default=16, type=int)
parser.add_argument('--batch-size', default=16, type=int)
parser.add_argument('--lr', default=0.03, type=float)
parser.add_argument('--warmup', default=0, type=float)
parser.add_argument('--wdecay', default=5e-4, type=float)
parser.add_argument('--nesterov', action='store_true', default=True)
parser.add_argument('--use-ema', action='store_true', default=True)
parser.add_argument('--ema-decay', default=0.999, type=float)
parser.add_argument('--mu', default=3, type=int)
parser.add_argument('--lambda-u', default=1, type=float)
parser.add_argument('--T', default=1, type=float)
parser.add_argument('--threshold', default=0.95, type=float)
parser.add_argument('--bug', default='', choices=['', 'no-de-interleave', 'no-zero-grad'])
args = parser.parse_args()
args.device = torch.device('cpu')
TEMPLATES = torch.rand(10, 3, 8, 8, generator=torch.Generator().manual_seed(5))


def images(n, seed):
    g = torch.Generator().manual_seed(seed)
    y = torch.arange(n) % 10
    coarse = 0.6 * TEMPLATES[y] + 0.4 * torch.rand(n, 3, 8, 8, generator=g)
    x = (F.interpolate(coarse, size=(32, 32), mode='bilinear', align_corners=False) - 0.5) / 0.25
    return x, y


def weak(x):
    if torch.rand(()) < 0.5:
        x = x.flip(2)
    a, b = torch.randint(-4, 5, (2,)).tolist()
    return torch.roll(x, (a, b), (1, 2))


def strong(x):
    x = weak(x) * (0.7 + 0.6 * torch.rand(3, 1, 1)) + 0.3 * torch.randn_like(x)
    i, j = torch.randint(0, 24, (2,)).tolist()
    x = x.clone()
    x[:, i:i + 8, j:j + 8] = 0.0  # cutout
    return x


class Labeled(Dataset):
    def __init__(self, x, y):
        self.x, self.y = x, y

    def __len__(self):
        return len(self.y)

    def __getitem__(self, i):
        return weak(self.x[i]), self.y[i]


class Unlabeled(Labeled):
    def __getitem__(self, i):
        return (weak(self.x[i]), strong(self.x[i])), -1


class Test(Labeled):
    def __getitem__(self, i):
        return self.x[i], self.y[i]


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


class ModelEMA:
    def __init__(self, args, model, decay):
        self.ema = deepcopy(model)
        self.ema.to(args.device)
        self.ema.eval()
        self.decay = decay
        self.param_keys = [k for k, _ in self.ema.named_parameters()]
        self.buffer_keys = [k for k, _ in self.ema.named_buffers()]
        for p in self.ema.parameters():
            p.requires_grad_(False)

    def update(self, model):
        with torch.no_grad():
            msd = model.state_dict()
            esd = self.ema.state_dict()
            for k in self.param_keys:
                esd[k].copy_(esd[k] * self.decay + (1. - self.decay) * msd[k].detach())
            for k in self.buffer_keys:
                esd[k].copy_(msd[k])


def get_cosine_schedule_with_warmup(optimizer, num_warmup_steps, num_training_steps, num_cycles=7. / 16., last_epoch=-1):
    def _lr_lambda(current_step):
        if current_step < num_warmup_steps:
            return float(current_step) / float(max(1, num_warmup_steps))
        no_progress = float(current_step - num_warmup_steps) / float(max(1, num_training_steps - num_warmup_steps))
        return max(0., math.cos(math.pi * num_cycles * no_progress))
    return LambdaLR(optimizer, _lr_lambda, last_epoch)


def interleave(x, size):
    s = list(x.shape)
    return x.reshape([-1, size] + s[1:]).transpose(0, 1).reshape([-1] + s[1:])


def de_interleave(x, size):
    s = list(x.shape)
    return x.reshape([size, -1] + s[1:]).transpose(0, 1).reshape([-1] + s[1:])


def train(args, labeled_trainloader, unlabeled_trainloader, test_loader, model, optimizer, ema_model, scheduler):
    labeled_iter = iter(labeled_trainloader)
    unlabeled_iter = iter(unlabeled_trainloader)
    model.train()
    for epoch in range(args.epochs):
        losses, n = 0.0, 0
        for _batch_idx in range(args.eval_step):
            try:
                inputs_x, targets_x = next(labeled_iter)
            except StopIteration:
                labeled_iter = iter(labeled_trainloader)
                inputs_x, targets_x = next(labeled_iter)
            try:
                (inputs_u_w, inputs_u_s), _ = next(unlabeled_iter)
            except StopIteration:
                unlabeled_iter = iter(unlabeled_trainloader)
                (inputs_u_w, inputs_u_s), _ = next(unlabeled_iter)
            batch_size = inputs_x.shape[0]
            inputs = interleave(torch.cat((inputs_x, inputs_u_w, inputs_u_s)), 2 * args.mu + 1).to(args.device)
            targets_x = targets_x.to(args.device)
            logits = model(inputs)
            if args.bug != 'no-de-interleave':  # without it, logits_x are other images' logits
                logits = de_interleave(logits, 2 * args.mu + 1)
            logits_x = logits[:batch_size]
            logits_u_w, logits_u_s = logits[batch_size:].chunk(2)
            del logits
            Lx = F.cross_entropy(logits_x, targets_x, reduction='mean')
            pseudo_label = torch.softmax(logits_u_w.detach() / args.T, dim=-1)
            max_probs, targets_u = torch.max(pseudo_label, dim=-1)
            mask = max_probs.ge(args.threshold).float()
            Lu = (F.cross_entropy(logits_u_s, targets_u, reduction='none') * mask).mean()
            loss = Lx + args.lambda_u * Lu
            loss.backward()
            losses, n = losses + loss.item(), n + 1
            optimizer.step()
            scheduler.step()
            if args.use_ema:
                ema_model.update(model)
            if args.bug != 'no-zero-grad':
                model.zero_grad()
        test_model = ema_model.ema if args.use_ema else model
        test_loss, test_acc = test(args, test_loader, test_model, epoch)
        print(f"epoch {epoch + 1} train loss {losses / n:.4f} test loss {test_loss:.4f} test acc {test_acc:.2f} "
              f"lr {scheduler.get_last_lr()[0]:.4f}")


def test(args, test_loader, model, epoch):
    total = correct = 0
    loss_sum = 0.0
    with torch.no_grad():
        for inputs, targets in test_loader:
            model.eval()
            outputs = model(inputs)
            loss = F.cross_entropy(outputs, targets)
            loss_sum += loss.item() * inputs.shape[0]
            correct += (outputs.argmax(1) == targets).sum().item()
            total += inputs.shape[0]
    return loss_sum / total, 100.0 * correct / total


def main():
    xl, yl = images(40, 1)
    xu, _ = images(1024, 2)
    xt, yt = images(256, 3)
    labeled_trainloader = DataLoader(Labeled(xl, yl), sampler=RandomSampler(Labeled(xl, yl)), batch_size=args.batch_size, drop_last=True)
    unlabeled_trainloader = DataLoader(Unlabeled(xu, torch.full((len(xu),), -1)), sampler=RandomSampler(Unlabeled(xu, torch.full((len(xu),), -1))),
                                       batch_size=args.batch_size * args.mu, drop_last=True)
    test_loader = DataLoader(Test(xt, yt), sampler=SequentialSampler(Test(xt, yt)), batch_size=args.batch_size)
    model = Net()
    no_decay = ['bias', 'bn']
    grouped_parameters = [
        {'params': [p for n, p in model.named_parameters() if not any(nd in n for nd in no_decay)], 'weight_decay': args.wdecay},
        {'params': [p for n, p in model.named_parameters() if any(nd in n for nd in no_decay)], 'weight_decay': 0.0},
    ]
    optimizer = optim.SGD(grouped_parameters, lr=args.lr, momentum=0.9, nesterov=args.nesterov)
    scheduler = get_cosine_schedule_with_warmup(optimizer, args.warmup, args.eval_step * args.epochs)
    ema_model = ModelEMA(args, model, args.ema_decay) if args.use_ema else None
    model.zero_grad()
    train(args, labeled_trainloader, unlabeled_trainloader, test_loader, model, optimizer, ema_model, scheduler)


if __name__ == '__main__':
    main()
