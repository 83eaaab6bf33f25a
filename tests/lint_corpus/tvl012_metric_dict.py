# expect: TVL012
# Running sums kept in a dict of metrics on the loop object; the per-batch hook adds the loss
# tensor itself, so every batch's graph is kept until the epoch ends.
class Loop:
    def __init__(self, model, opt, crit):
        self.model, self.opt, self.crit = model, opt, crit
        self.sums = {"loss": 0.0, "n": 0}

    def on_batch(self, x, y):
        loss = self.crit(self.model(x), y)
        self.opt.zero_grad()
        loss.backward()
        self.opt.step()
        self.sums["loss"] += loss
        self.sums["n"] += 1

    def run(self, loader):
        for x, y in loader:
            self.on_batch(x, y)
        return self.sums["loss"] / self.sums["n"]
