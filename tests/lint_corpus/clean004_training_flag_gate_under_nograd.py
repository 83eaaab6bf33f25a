# expect: clean
# A per-batch helper backpropagates and steps the optimizer only `if model.training`; the
# evaluation loop calls it after eval() under no_grad, where it only measures.
import torch
import torch.nn as nn


def process(model, xb, yb, sgd):
    pred = model(xb)
    loss = nn.functional.binary_cross_entropy_with_logits(pred, yb)
    if model.training:
        sgd.zero_grad()
        loss.backward()
        sgd.step()
    return loss.item()


model = nn.Sequential(nn.Linear(9, 18), nn.Dropout(0.2), nn.Linear(18, 1))
sgd = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
train_set = [(torch.randn(12, 9), torch.rand(12, 1).round()) for _ in range(20)]
eval_set = [(torch.randn(12, 9), torch.rand(12, 1).round()) for _ in range(5)]
for epoch in range(10):
    model.train()
    for xb, yb in train_set:
        process(model, xb, yb, sgd)
    model.eval()
    with torch.no_grad():
        scores = [process(model, xb, yb, sgd) for xb, yb in eval_set]
    print(epoch, sum(scores) / len(scores))
