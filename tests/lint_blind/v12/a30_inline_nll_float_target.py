# expect: TVL009
# style: character-level name classifier (RNN tutorial style), inline loop
# bug: the category target is built as a float tensor and passed to F.nll_loss, which needs integer class indices
import random
import string
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

all_letters = string.ascii_letters + " .,;'"
n_letters = len(all_letters)
categories = ["English", "French", "German", "Italian", "Japanese", "Russian"]
n_categories = len(categories)


def random_name():
    return "".join(random.choice(string.ascii_lowercase) for _ in range(random.randint(3, 10))).capitalize()


category_lines = {c: [random_name() for _ in range(200)] for c in categories}


def line_to_tensor(line):
    t = torch.zeros(len(line), 1, n_letters)
    for li, letter in enumerate(line):
        t[li][0][all_letters.find(letter)] = 1
    return t


class RNN(nn.Module):
    def __init__(self, input_size, hidden_size, output_size):
        super().__init__()
        self.hidden_size = hidden_size
        self.i2h = nn.Linear(input_size + hidden_size, hidden_size)
        self.h2o = nn.Linear(hidden_size, output_size)

    def forward(self, inp, hidden):
        combined = torch.cat((inp, hidden), 1)
        hidden = torch.tanh(self.i2h(combined))
        return F.log_softmax(self.h2o(hidden), dim=1), hidden

    def init_hidden(self):
        return torch.zeros(1, self.hidden_size)


def random_training_example():
    category = random.choice(categories)
    line = random.choice(category_lines[category])
    category_tensor = torch.tensor([categories.index(category)], dtype=torch.float)
    return category, line, category_tensor, line_to_tensor(line)


def time_since(since):
    s = time.time() - since
    return "%dm %ds" % (s // 60, s % 60)


rnn = RNN(n_letters, 128, n_categories)
optimizer = torch.optim.SGD(rnn.parameters(), lr=0.005)
n_iters = 100000
print_every = 5000
plot_every = 1000
current_loss = 0.0
all_losses = []
start = time.time()

rnn.train()
for it in range(1, n_iters + 1):
    category, line, category_tensor, line_tensor = random_training_example()
    hidden = rnn.init_hidden()
    optimizer.zero_grad()
    for i in range(line_tensor.size(0)):
        output, hidden = rnn(line_tensor[i], hidden)
    loss = F.nll_loss(output, category_tensor)
    loss.backward()
    optimizer.step()
    current_loss += loss.item()

    if it % print_every == 0:
        guess = categories[output.argmax(1).item()]
        mark = "ok" if guess == category else f"wrong ({category})"
        print(f"{it} {it / n_iters * 100:.0f}% ({time_since(start)}) {loss.item():.4f} {line} / {guess} {mark}")
    if it % plot_every == 0:
        all_losses.append(current_loss / plot_every)
        current_loss = 0.0

rnn.eval()
confusion = torch.zeros(n_categories, n_categories)
with torch.no_grad():
    for _ in range(2000):
        category, line, _, line_tensor = random_training_example()
        hidden = rnn.init_hidden()
        for i in range(line_tensor.size(0)):
            output, hidden = rnn(line_tensor[i], hidden)
        confusion[categories.index(category)][output.argmax(1).item()] += 1
confusion = confusion / confusion.sum(1, keepdim=True)
print("per-class accuracy:", [f"{confusion[i, i]:.2f}" for i in range(n_categories)])
torch.save(rnn.state_dict(), "char_rnn.pt")
