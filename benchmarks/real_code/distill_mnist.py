# real: source=https://github.com/haitongli/knowledge-distillation-pytorch/blob/master/mnist/distill_mnist.py
# real: args=
# real: bug=kl-div-on-softmax expect=probabilities-as-logits
# real: bug=no-zero-grad expect=grads-not-cleared
"""knowledge-distillation-pytorch's MNIST distillation: a student MLP trained with SGD(momentum 0.9)
on nn.KLDivLoss(log_softmax(student/T), softmax(teacher/T)) * T^2 * 2 * alpha + cross_entropy *
(1 - alpha), T=20, alpha=0.7; the teacher (a wider MLP with dropout) loaded from a state_dict and
run in eval() in the training loop, its output detached (not under no_grad); after each epoch the
student is scored on the training set and the test set in eval(). Changed: synthetic 28x28 images
whose labels are the teacher's own argmax (the teacher's state_dict is made here, from a seed,
instead of loaded from teacher_MLP.pth.tar), 1,024 training images (noisy copies of 40 prototypes), batches of 64, 4 epochs; written for current
PyTorch (no Variable; `volatile=True`, a no-op today, dropped, so the evaluations run with
autograd on as they do on today's PyTorch; `.item()` for `.data[0]`; dim=1 for the softmaxes);
the state_dict saved to a temporary folder."""

import argparse
import os
import tempfile
import time

import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim
from torch.utils.data import DataLoader, TensorDataset

start_time = time.time()
torch.set_num_threads(1)

parser = argparse.ArgumentParser(description='PyTorch MNIST Example')
parser.add_argument('--batch-size', type=int, default=64, metavar='N')
parser.add_argument('--test-batch-size', type=int, default=1000, metavar='N')
parser.add_argument('--epochs', type=int, default=4, metavar='N')
parser.add_argument('--lr', type=float, default=0.01, metavar='LR')
parser.add_argument('--momentum', type=float, default=0.9, metavar='M')
parser.add_argument('--seed', type=int, default=1, metavar='S')
parser.add_argument('--log-interval', type=int, default=4, metavar='N')
parser.add_argument('--bug', default='', choices=['', 'kl-div-on-softmax', 'no-zero-grad'])
args = parser.parse_args()

torch.manual_seed(args.seed)


class teacherNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(28 * 28, 1200)
        self.fc2 = nn.Linear(1200, 1200)
        self.fc3 = nn.Linear(1200, 10)

    def forward(self, x):
        x = x.view(-1, 28 * 28)
        x = F.relu(self.fc1(x))
        x = F.dropout(x, p=0.8, training=self.training)
        x = F.relu(self.fc2(x))
        x = F.dropout(x, p=0.8, training=self.training)
        x = self.fc3(x)
        return x


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(28 * 28, 800)
        self.fc2 = nn.Linear(800, 800)
        self.fc3 = nn.Linear(800, 10)

    def forward(self, x):
        x = x.view(-1, 28 * 28)
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        x = self.fc3(x)
        return x


# The teacher's checkpoint, and data it labels (in place of MNIST and teacher_MLP.pth.tar).
g = torch.Generator().manual_seed(3)
PROTOS = torch.randn(40, 1, 28, 28, generator=g) / 0.3081
oracle = teacherNet()
oracle.eval()
with torch.no_grad():  # biases that make the ten classes about equally frequent
    probe = PROTOS.repeat(50, 1, 1, 1) + 0.7 * torch.randn(2000, 1, 28, 28, generator=g) / 0.3081
    for _ in range(20):
        logits = oracle(probe)
        share = torch.bincount(logits.argmax(1), minlength=10).float() / len(probe)
        oracle.fc3.bias -= 0.5 * logits.std() * (share - 0.1) / 0.1


def dataset(n, seed):
    gen = torch.Generator().manual_seed(seed)
    x = PROTOS[torch.randint(0, 40, (n,), generator=gen)] + 0.7 * torch.randn(n, 1, 28, 28, generator=gen) / 0.3081
    with torch.no_grad():
        y = oracle(x).argmax(1)
    return TensorDataset(x, y)


train_loader = DataLoader(dataset(1024, 1), batch_size=args.batch_size, shuffle=True)
test_loader = DataLoader(dataset(1000, 2), batch_size=args.test_batch_size, shuffle=True)
ckpt = os.path.join(tempfile.mkdtemp(), 'teacher_MLP.pth.tar')
torch.save(oracle.state_dict(), ckpt)

teacher_model = teacherNet()
teacher_model.load_state_dict(torch.load(ckpt))

model = Net()
optimizer = optim.SGD(model.parameters(), lr=args.lr, momentum=args.momentum)


def distillation(y, labels, teacher_scores, T, alpha):
    student = F.softmax(y / T, dim=1) if args.bug == 'kl-div-on-softmax' else F.log_softmax(y / T, dim=1)
    return nn.KLDivLoss()(student, F.softmax(teacher_scores / T, dim=1)) * (T * T * 2.0 * alpha) + F.cross_entropy(y, labels) * (1. - alpha)


def train(epoch, model, loss_fn):
    model.train()
    teacher_model.eval()
    for batch_idx, (data, target) in enumerate(train_loader):
        if args.bug != 'no-zero-grad':
            optimizer.zero_grad()
        output = model(data)
        teacher_output = teacher_model(data)
        teacher_output = teacher_output.detach()
        loss = loss_fn(output, target, teacher_output, T=20.0, alpha=0.7)
        loss.backward()
        optimizer.step()
        if batch_idx % args.log_interval == 0:
            print(f'Train Epoch: {epoch} [{batch_idx * len(data)}/{len(train_loader.dataset)} ({100. * batch_idx / len(train_loader):.0f}%)]\tLoss: {loss.item():.6f}')


def train_evaluate(model):
    model.eval()
    train_loss = 0
    correct = 0
    for data, target in train_loader:
        output = model(data)
        train_loss += F.cross_entropy(output, target).item()  # sum up batch loss
        pred = output.data.max(1, keepdim=True)[1]
        correct += pred.eq(target.data.view_as(pred)).cpu().sum()
    print(f'\nTrain set: Average loss: {train_loss:.4f}, Accuracy: {correct}/{len(train_loader.dataset)} ({100. * correct / len(train_loader.dataset):.0f}%)\n')


def test(model):
    model.eval()
    test_loss = 0
    correct = 0
    for data, target in test_loader:
        output = model(data)
        pred = output.data.max(1, keepdim=True)[1]  # get the index of the max log-probability
        correct += pred.eq(target.data.view_as(pred)).cpu().sum()
    test_loss /= len(test_loader.dataset)
    print(f'\nTest set: Average loss: {test_loss:.4f}, Accuracy: {correct}/{len(test_loader.dataset)} ({100. * correct / len(test_loader.dataset):.0f}%)\n')


for epoch in range(1, args.epochs + 1):
    train(epoch, model, loss_fn=distillation)
    train_evaluate(model)
    test(model)

torch.save(model.state_dict(), os.path.join(os.path.dirname(ckpt), 'distill.pth.tar'))
print(f"--- {time.time() - start_time:.1f} seconds ---")
