# expect: TVL012
def train_epoch(model, loader, opt, criterion):
    history = []
    for x, y in loader:
        opt.zero_grad()
        loss = criterion(model(x), y)
        loss.backward()
        opt.step()
        history.append(loss)
    return history
