# expect: TVL008
# style: beginner char-level RNN language model (tutorial-style), inline training loop
# bug: the RNN's output goes through nn.Softmax and then nn.NLLLoss, which expects log-probabilities
import math
import random
import string
import time

import torch
import torch.nn as nn

all_letters = string.ascii_letters + " .,;'"
n_letters = len(all_letters) + 1  # + EOS
EOS = n_letters - 1

# a tiny corpus of made-up names
random.seed(0)
names = ["".join(random.choice(string.ascii_lowercase) for _ in range(random.randint(3, 9))).capitalize()
         for _ in range(3000)]


def letter_tensor(line):
    t = torch.zeros(len(line), 1, n_letters)
    for i, ch in enumerate(line):
        t[i][0][all_letters.find(ch)] = 1
    return t


def target_tensor(line):
    idx = [all_letters.find(line[i]) for i in range(1, len(line))]
    idx.append(EOS)
    return torch.LongTensor(idx)


class RNN(nn.Module):
    def __init__(self, input_size, hidden_size, output_size):
        super(RNN, self).__init__()
        self.hidden_size = hidden_size
        self.i2h = nn.Linear(input_size + hidden_size, hidden_size)
        self.i2o = nn.Linear(input_size + hidden_size, output_size)
        self.o2o = nn.Linear(hidden_size + output_size, output_size)
        self.dropout = nn.Dropout(0.1)
        self.softmax = nn.Softmax(dim=1)

    def forward(self, input, hidden):
        combined = torch.cat((input, hidden), 1)
        hidden = torch.tanh(self.i2h(combined))
        output = self.i2o(combined)
        output = self.o2o(torch.cat((hidden, output), 1))
        output = self.dropout(output)
        return self.softmax(output), hidden

    def init_hidden(self):
        return torch.zeros(1, self.hidden_size)


rnn = RNN(n_letters, 128, n_letters)
criterion = nn.NLLLoss()
optimizer = torch.optim.Adam(rnn.parameters(), lr=0.002)


def train(line):
    inp, tgt = letter_tensor(line), target_tensor(line).unsqueeze(-1)
    hidden = rnn.init_hidden()
    optimizer.zero_grad()
    loss = 0
    for i in range(inp.size(0)):
        output, hidden = rnn(inp[i], hidden)
        loss = loss + criterion(output, tgt[i])
    loss.backward()
    optimizer.step()
    return loss.item() / inp.size(0)


def time_since(since):
    s = time.time() - since
    return "%dm %ds" % (math.floor(s / 60), s - math.floor(s / 60) * 60)


def sample(start="A", max_length=12):
    rnn.eval()
    with torch.no_grad():
        inp, hidden, out = letter_tensor(start), rnn.init_hidden(), start
        for _ in range(max_length):
            output, hidden = rnn(inp[0], hidden)
            top = output.argmax(1).item()
            if top == EOS:
                break
            out += all_letters[top]
            inp = letter_tensor(all_letters[top])
    rnn.train()
    return out


n_iters = 20000
print_every = 1000
all_losses, total_loss = [], 0.0
start = time.time()
rnn.train()
for it in range(1, n_iters + 1):
    total_loss += train(random.choice(names))
    if it % print_every == 0:
        print("%s (%d %d%%) %.4f  sample=%s" % (time_since(start), it, it / n_iters * 100,
                                                total_loss / print_every, sample(random.choice("ABCDEFG"))))
        all_losses.append(total_loss / print_every)
        total_loss = 0.0

torch.save(rnn.state_dict(), "char_rnn.pt")
