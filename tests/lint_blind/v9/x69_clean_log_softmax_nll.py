# expect: clean
# style: beginner-ish character RNN name classifier (NLP) with log_softmax + NLLLoss and softmax for display
# note: the model outputs log_softmax and the loss is NLLLoss (correct pairing); softmax is applied only when printing class probabilities.
import random
import string

import torch
import torch.nn as nn

all_letters = string.ascii_letters + " .,;'"
n_letters = len(all_letters)
categories = ["English", "French", "German", "Italian", "Japanese", "Russian"]
random.seed(0)
data = {c: ["".join(random.choice(string.ascii_lowercase) for _ in range(random.randint(3, 10))) for _ in range(200)] for c in categories}


def line_to_tensor(line):
    t = torch.zeros(len(line), 1, n_letters)
    for i, ch in enumerate(line):
        t[i][0][all_letters.find(ch)] = 1
    return t


class RNN(nn.Module):
    def __init__(self, input_size, hidden_size, output_size):
        super().__init__()
        self.hidden_size = hidden_size
        self.rnn = nn.GRU(input_size, hidden_size)
        self.h2o = nn.Linear(hidden_size, output_size)
        self.log_softmax = nn.LogSoftmax(dim=1)

    def forward(self, line_tensor):
        _, h = self.rnn(line_tensor)
        return self.log_softmax(self.h2o(h[0]))


rnn = RNN(n_letters, 128, len(categories))
criterion = nn.NLLLoss()
optimizer = torch.optim.SGD(rnn.parameters(), lr=0.005, momentum=0.9)


def random_example():
    c = random.choice(categories)
    line = random.choice(data[c])
    return c, line, torch.tensor([categories.index(c)], dtype=torch.long), line_to_tensor(line)


def train_one(category_tensor, line_tensor):
    optimizer.zero_grad()
    output = rnn(line_tensor)
    loss = criterion(output, category_tensor)
    loss.backward()
    optimizer.step()
    return output, loss.item()


n_iters = 20000
current_loss = 0.0
rnn.train()
for it in range(1, n_iters + 1):
    category, line, category_tensor, line_tensor = random_example()
    output, loss = train_one(category_tensor, line_tensor)
    current_loss += loss
    if it % 2000 == 0:
        guess = categories[output.argmax(1).item()]
        print(f"{it} {it / n_iters * 100:.0f}% avg loss {current_loss / 2000:.4f} {line} / {guess} {'✓' if guess == category else '✗ (' + category + ')'}")
        current_loss = 0.0


def predict(name, k=3):
    rnn.eval()
    with torch.no_grad():
        probs = torch.softmax(rnn(line_to_tensor(name)), dim=1)[0]
    top = probs.topk(k)
    for p, i in zip(top.values, top.indices):
        print(f"  ({p.item():.2f}) {categories[i]}")


predict("dovesky")
predict("satoshi")
