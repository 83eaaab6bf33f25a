# expect: TVL012
class Trainer:
    def fit(self, loader):
        self.running = 0.0
        for batch in loader:
            self.opt.zero_grad()
            loss = self.model(batch)
            loss.backward()
            self.opt.step()
            self.running += loss
