# expect: TVL007
# style: ESPnet/Kaldi-style ASR recipe script (CTC model, stage-like main, per-epoch milestones)
# bug: MultiStepLR with milestones expressed in epochs ([15, 25]) is stepped once per batch inside the training loop, so the LR decays within the first epoch
import argparse
import logging

import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset


class CTCModel(nn.Module):
    def __init__(self, idim, odim, hdim=256):
        super().__init__()
        self.enc = nn.LSTM(idim, hdim, num_layers=3, batch_first=True, bidirectional=True, dropout=0.2)
        self.ctc_lo = nn.Linear(2 * hdim, odim)

    def forward(self, xs):
        h, _ = self.enc(xs)
        return self.ctc_lo(h).log_softmax(-1)


def get_parser():
    parser = argparse.ArgumentParser(description="train CTC ASR")
    parser.add_argument("--idim", type=int, default=80)
    parser.add_argument("--odim", type=int, default=50)
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--milestones", type=int, nargs="+", default=[15, 25], help="epochs at which to decay lr")
    parser.add_argument("--batch-size", type=int, default=8)
    return parser


def main():
    args = get_parser().parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s (%(module)s:%(lineno)d) %(levelname)s: %(message)s")
    feats = torch.randn(320, 200, args.idim)
    ys = torch.randint(1, args.odim, (320, 30))
    loader = DataLoader(TensorDataset(feats, ys), batch_size=args.batch_size, shuffle=True)
    model = CTCModel(args.idim, args.odim)
    ctc = nn.CTCLoss(blank=0, zero_infinity=True)
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    scheduler = torch.optim.lr_scheduler.MultiStepLR(optimizer, milestones=args.milestones, gamma=0.1)

    for epoch in range(1, args.epochs + 1):
        model.train()
        tot, n = 0.0, 0
        for xs, ys_pad in loader:
            logp = model(xs).transpose(0, 1)  # (T, B, odim)
            in_lens = torch.full((xs.size(0),), xs.size(1), dtype=torch.long)
            out_lens = torch.full((xs.size(0),), ys_pad.size(1), dtype=torch.long)
            loss = ctc(logp, ys_pad, in_lens, out_lens)
            optimizer.zero_grad()
            loss.backward()
            grad_norm = nn.utils.clip_grad_norm_(model.parameters(), 5.0)
            optimizer.step()
            scheduler.step()
            tot += loss.item()
            n += 1
        logging.info("epoch %d: loss=%.3f lr=%.2e grad_norm=%.2f", epoch, tot / n, optimizer.param_groups[0]["lr"], grad_norm)


if __name__ == "__main__":
    main()
