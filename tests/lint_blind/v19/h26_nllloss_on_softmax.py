# expect: TVL008
# style: char-level name-origin classifier (RNN tutorial style), inline loop
# bug: the network ends with nn.Softmax and its output is fed to nn.NLLLoss, which needs log-probabilities (LogSoftmax)
import math
import random
import string
import time

import torch
import torch.nn as nn

ALL_LETTERS = string.ascii_letters + " .,;'"
N_LETTERS = len(ALL_LETTERS)
CATEGORIES = ["English", "French", "German", "Italian", "Japanese", "Russian", "Spanish", "Chinese"]
random.seed(0)
torch.manual_seed(0)


def synth_names(cat_idx, k=300):
    rng = random.Random(cat_idx)
    base = string.ascii_lowercase[cat_idx * 3: cat_idx * 3 + 6] or "xyzabc"
    return ["".join(rng.choice(base) for _ in range(rng.randint(3, 9))).capitalize() for _ in range(k)]


category_lines = {c: synth_names(i) for i, c in enumerate(CATEGORIES)}
pairs = [(name, c) for c, names in category_lines.items() for name in names]
random.shuffle(pairs)
split = int(0.9 * len(pairs))
train_pairs, test_pairs = pairs[:split], pairs[split:]


def line_to_tensor(line):
    t = torch.zeros(len(line), 1, N_LETTERS)
    for i, ch in enumerate(line):
        t[i][0][ALL_LETTERS.find(ch)] = 1
    return t


class CharRNN(nn.Module):
    def __init__(self, input_size, hidden_size, output_size):
        super().__init__()
        self.hidden_size = hidden_size
        self.rnn = nn.GRU(input_size, hidden_size, num_layers=1)
        self.h2o = nn.Linear(hidden_size, output_size)
        self.softmax = nn.Softmax(dim=1)

    def forward(self, line_tensor):
        _, hidden = self.rnn(line_tensor)
        return self.softmax(self.h2o(hidden[0]))


n_hidden = 128
rnn = CharRNN(N_LETTERS, n_hidden, len(CATEGORIES))
criterion = nn.NLLLoss()
optimizer = torch.optim.SGD(rnn.parameters(), lr=0.005, momentum=0.9)


def category_from_output(output):
    top_i = output.topk(1)[1][0].item()
    return CATEGORIES[top_i], top_i


def time_since(since):
    s = time.time() - since
    m = math.floor(s / 60)
    return f"{m}m {s - m * 60:.0f}s"


n_iters = 100000
print_every = 5000
plot_every = 1000
current_loss = 0.0
all_losses = []
start = time.time()
rnn.train()

for it in range(1, n_iters + 1):
    line, category = random.choice(train_pairs)
    category_tensor = torch.tensor([CATEGORIES.index(category)], dtype=torch.long)
    line_tensor = line_to_tensor(line)

    optimizer.zero_grad()
    output = rnn(line_tensor)
    loss = criterion(output, category_tensor)
    loss.backward()
    nn.utils.clip_grad_norm_(rnn.parameters(), 1.0)
    optimizer.step()
    current_loss += loss.item()

    if it % print_every == 0:
        guess, _ = category_from_output(output)
        mark = "✓" if guess == category else f"✗ ({category})"
        print(f"{it} {it / n_iters * 100:.0f}% ({time_since(start)}) {loss.item():.4f} {line} / {guess} {mark}")
    if it % plot_every == 0:
        all_losses.append(current_loss / plot_every)
        current_loss = 0.0

# evaluation on the held-out names
rnn.eval()
confusion = torch.zeros(len(CATEGORIES), len(CATEGORIES))
with torch.no_grad():
    for line, category in test_pairs:
        output = rnn(line_to_tensor(line))
        _, guess_i = category_from_output(output)
        confusion[CATEGORIES.index(category)][guess_i] += 1
acc = confusion.diag().sum() / confusion.sum()
print(f"test accuracy {acc:.3f}")
for i in range(len(CATEGORIES)):
    confusion[i] = confusion[i] / confusion[i].sum()
print(confusion)
torch.save(rnn.state_dict(), "char_rnn_names.pt")
