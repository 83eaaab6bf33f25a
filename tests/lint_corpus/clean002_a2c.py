# expect: clean
import torch


def update(model, optimizer, states, actions, returns):
    logits, values = model(states)
    logp = torch.log_softmax(logits, -1).gather(1, actions)
    advantage = returns - values.detach()
    loss = -(logp * advantage).mean() + 0.5 * (returns - values).pow(2).mean()
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return loss.item()
