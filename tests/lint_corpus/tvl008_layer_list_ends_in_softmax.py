# expect: TVL008
# A classifier builder collects its layers in a list and appends a Softmax before unpacking
# them into nn.Sequential; the training loss is CrossEntropyLoss, which applies log-softmax
# itself, so it is given probabilities instead of logits.
import torch
import torch.nn as nn


def make_classifier(n_in, n_out, hidden=128):
    parts = [nn.Linear(n_in, hidden), nn.ReLU(), nn.Linear(hidden, n_out)]
    parts.append(nn.Softmax(dim=1))
    return nn.Sequential(*parts)


clf = make_classifier(20, 4)
criterion = nn.CrossEntropyLoss()
optimizer = torch.optim.SGD(clf.parameters(), lr=0.1, momentum=0.9)
for step in range(500):
    x = torch.randn(64, 20)
    y = torch.randint(0, 4, (64,))
    loss = criterion(clf(x), y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
