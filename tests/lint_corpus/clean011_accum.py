# expect: clean
for step, (x, y) in enumerate(loader):
    loss = criterion(model(x), y) / grad_accum_steps
    loss.backward()
    if (step + 1) % grad_accum_steps == 0:
        optimizer.step()
        optimizer.zero_grad()
