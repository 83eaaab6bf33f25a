# expect: clean
import torch
import torch.nn as nn


class TinyASR(nn.Module):
    def __init__(self, n_mels=40, vocab=30):
        super().__init__()
        self.encoder = nn.GRU(n_mels, 64, batch_first=True)
        self.ctc_head = nn.Linear(64, vocab)

    def forward(self, mels):
        h, _ = self.encoder(mels)
        return self.ctc_head(h).log_softmax(-1)


def get_optimizer(net, lr):
    return torch.optim.AdamW(net.parameters(), lr=lr)


asr = TinyASR()
opt = get_optimizer(net=asr, lr=3e-4)
ctc = nn.CTCLoss()
for _ in range(3):
    mels = torch.randn(2, 50, 40)
    logp = asr(mels).transpose(0, 1)
    loss = ctc(logp, torch.randint(1, 30, (2, 10)), torch.full((2,), 50), torch.full((2,), 10))
    opt.zero_grad()
    loss.backward()
    opt.step()
