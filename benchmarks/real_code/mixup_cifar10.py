# real: source=https://github.com/facebookresearch/mixup-cifar10/blob/main/train.py
# real: args=
# real: bug=lam-not-mixed expect=loss-not-decreasing,worse-than-baseline
# real: bug=no-zero-grad expect=grads-not-cleared
"""facebookresearch/mixup-cifar10: mixup training (inputs mixed with a shuffled copy, lam from
Beta(alpha, alpha), the loss lam * criterion(pred, y_a) + (1 - lam) * criterion(pred, y_b) on one
line), the train accuracy weighted by lam, SGD(momentum 0.9, weight decay 1e-4), a test pass each
epoch in eval() whose forwards run with autograd on (the published `volatile=True` is a no-op on
today's PyTorch), a checkpoint when the test accuracy improves, the step decay of
adjust_learning_rate. Changed: its models/lenet.py LeNet for ResNet18, synthetic 3x32x32 images
(a class's template blended with noise, blurred) (random crop with 4 pixels of padding and
horizontal flips as the augmentation), 1,024 training and 256 test images, lr 0.05, 6 epochs with
the decay at epochs 3 and 5, no CSV log or progress bar; the checkpoint goes to a temporary folder."""

import argparse
import os
import tempfile

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim
from torch.utils.data import DataLoader, Dataset

torch.set_num_threads(1)
parser = argparse.ArgumentParser(description='PyTorch CIFAR10 Training')
parser.add_argument('--lr', default=0.05, type=float, help='learning rate')
parser.add_argument('--seed', default=1, type=int, help='random seed')
parser.add_argument('--batch-size', default=64, type=int, help='batch size')
parser.add_argument('--epoch', default=6, type=int, help='total epochs to run')
parser.add_argument('--decay', default=1e-4, type=float, help='weight decay')
parser.add_argument('--alpha', default=1., type=float, help='mixup interpolation coefficient (default: 1)')
parser.add_argument('--bug', default='', choices=['', 'lam-not-mixed', 'no-zero-grad'])
args = parser.parse_args()

use_cuda = False
best_acc = 0  # best test accuracy
start_epoch = 0  # start from epoch 0 or last checkpoint epoch
if args.seed != 0:
    torch.manual_seed(args.seed)
    np.random.seed(args.seed)

TEMPLATES = torch.rand(10, 3, 8, 8, generator=torch.Generator().manual_seed(5))


class Images(Dataset):
    def __init__(self, n, seed, augment):
        g = torch.Generator().manual_seed(seed)
        self.y = torch.randint(0, 10, (n,), generator=g)
        coarse = 0.5 * TEMPLATES[self.y] + 0.5 * torch.rand(n, 3, 8, 8, generator=g)
        self.x = (F.interpolate(coarse, size=(32, 32), mode='bilinear', align_corners=False) - 0.48) / 0.2
        self.augment = augment

    def __len__(self):
        return len(self.y)

    def __getitem__(self, i):
        img = self.x[i]
        if self.augment:  # RandomCrop(32, padding=4), RandomHorizontalFlip()
            img = F.pad(img, (4, 4, 4, 4))
            a, b = torch.randint(0, 9, (2,)).tolist()
            img = img[:, a:a + 32, b:b + 32]
            if torch.rand(()) < 0.5:
                img = img.flip(2)
        return img, self.y[i]


trainloader = DataLoader(Images(1024, 1, True), batch_size=args.batch_size, shuffle=True)
testloader = DataLoader(Images(256, 2, False), batch_size=100, shuffle=False)


class LeNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 6, 5)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x):
        out = F.relu(self.conv1(x))
        out = F.max_pool2d(out, 2)
        out = F.relu(self.conv2(out))
        out = F.max_pool2d(out, 2)
        out = out.view(out.size(0), -1)
        out = F.relu(self.fc1(out))
        out = F.relu(self.fc2(out))
        out = self.fc3(out)
        return out


net = LeNet()
criterion = nn.CrossEntropyLoss()
optimizer = optim.SGD(net.parameters(), lr=args.lr, momentum=0.9, weight_decay=args.decay)
ckpt_dir = tempfile.mkdtemp()


def mixup_data(x, y, alpha=1.0, use_cuda=True):
    '''Returns mixed inputs, pairs of targets, and lambda'''
    lam = np.random.beta(alpha, alpha) if alpha > 0 else 1
    batch_size = x.size()[0]
    index = torch.randperm(batch_size)
    if args.bug == 'lam-not-mixed':  # the shuffled copy alone: inputs and y_a no longer match
        mixed_x = x[index, :]
    else:
        mixed_x = lam * x + (1 - lam) * x[index, :]
    y_a, y_b = y, y[index]
    return mixed_x, y_a, y_b, lam


def mixup_criterion(criterion, pred, y_a, y_b, lam):
    if args.bug == 'lam-not-mixed':
        return criterion(pred, y_a)
    return lam * criterion(pred, y_a) + (1 - lam) * criterion(pred, y_b)


def train(epoch):
    print(f'\nEpoch: {epoch}')
    net.train()
    train_loss = 0
    reg_loss = 0
    correct = 0
    total = 0
    for batch_idx, (inputs, targets) in enumerate(trainloader):  # noqa: B007 (used after the loop)
        inputs, targets_a, targets_b, lam = mixup_data(inputs, targets, args.alpha, use_cuda)
        outputs = net(inputs)
        loss = mixup_criterion(criterion, outputs, targets_a, targets_b, lam)
        train_loss += loss.item()
        _, predicted = torch.max(outputs.data, 1)
        total += targets.size(0)
        correct += (lam * predicted.eq(targets_a.data).cpu().sum().float()
                    + (1 - lam) * predicted.eq(targets_b.data).cpu().sum().float())
        if args.bug != 'no-zero-grad':
            optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    print(f'Loss: {train_loss / (batch_idx + 1):.3f} | Acc: {100. * correct / total:.3f}%')
    return (train_loss / batch_idx, reg_loss / batch_idx, 100. * correct / total)


def test(epoch):
    global best_acc
    net.eval()
    test_loss = 0
    correct = 0
    total = 0
    for batch_idx, (inputs, targets) in enumerate(testloader):  # noqa: B007 (used after the loop)
        outputs = net(inputs)
        loss = criterion(outputs, targets)
        test_loss += loss.item()
        _, predicted = torch.max(outputs.data, 1)
        total += targets.size(0)
        correct += predicted.eq(targets.data).cpu().sum()
    print(f'Test Loss: {test_loss / (batch_idx + 1):.3f} | Acc: {100. * correct / total:.3f}%')
    acc = 100. * correct / total
    if epoch == start_epoch + args.epoch - 1 or acc > best_acc:
        checkpoint(acc, epoch)
    if acc > best_acc:
        best_acc = acc
    return (test_loss / batch_idx, 100. * correct / total)


def checkpoint(acc, epoch):
    state = {'net': net, 'acc': acc, 'epoch': epoch, 'rng_state': torch.get_rng_state()}
    torch.save(state, os.path.join(ckpt_dir, f'ckpt.t7_{args.seed}'))


def adjust_learning_rate(optimizer, epoch):
    """decrease the learning rate at epochs 3 and 5 (100 and 150 of 200 in the original)"""
    lr = args.lr
    if epoch >= 3:
        lr /= 10
    if epoch >= 5:
        lr /= 10
    for param_group in optimizer.param_groups:
        param_group['lr'] = lr


for epoch in range(start_epoch, args.epoch):
    train_loss, reg_loss, train_acc = train(epoch)
    test_loss, test_acc = test(epoch)
    adjust_learning_rate(optimizer, epoch)
