# expect: clean
# Twin of tvl012_metric_dict: the dict of metrics gets the loss's value; a local dict inside the
# per-batch hook is rebuilt on every call.
class Loop:
    def __init__(self, model, opt, crit):
        self.model, self.opt, self.crit = model, opt, crit
        self.sums = {"loss": 0.0, "n": 0}

    def on_batch(self, x, y):
        loss = self.crit(self.model(x), y)
        self.opt.zero_grad()
        loss.backward()
        self.opt.step()
        self.sums["loss"] += loss.item()
        self.sums["n"] += 1
        logged = {"loss": 0.0}
        logged["loss"] += loss
        return logged

    def run(self, loader):
        for x, y in loader:
            self.on_batch(x, y)
        return self.sums["loss"] / self.sums["n"]
