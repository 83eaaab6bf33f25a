# expect: TVL002
# A line-image recogniser returns its scores and the output lengths; the scores reach the CTC
# loss detached, and the lengths (integers, no gradient) are the model's only other way in.
import torch
import torch.nn as nn
import torch.nn.functional as F


class LineReader(nn.Module):
    def __init__(self, height=32, classes=80):
        super().__init__()
        self.conv = nn.Conv2d(1, 64, 3, stride=(2, 2), padding=1)
        self.rnn = nn.LSTM(64 * height // 2, 128, bidirectional=True, batch_first=True)
        self.cls = nn.Linear(256, classes)

    def forward(self, images, widths):
        f = torch.relu(self.conv(images))
        f = f.permute(0, 3, 1, 2).flatten(2)
        seq, _ = self.rnn(f)
        return self.cls(seq).log_softmax(-1), torch.div(widths + 1, 2, rounding_mode="floor")


def train(reader, batches, epochs=3):
    opt = torch.optim.Adam(reader.parameters(), lr=3e-4)
    for _ in range(epochs):
        for images, widths, labels, label_lens in batches:
            scores, out_lens = reader(images, widths)
            loss = F.ctc_loss(scores.detach().transpose(0, 1), labels, input_lengths=out_lens, target_lengths=label_lens)
            opt.zero_grad()
            loss.backward()
            opt.step()
