# expect: clean
for batch in loader:
    optimizer.zero_grad()
    loss = 0
    for head, target in zip(model.heads, batch["targets"]):
        loss += criterion(head(batch["x"]), target)
    loss.backward()
    optimizer.step()
