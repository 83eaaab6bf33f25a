# expect: TVL007
# style: HF run_ner_no_trainer.py (token classification, warmup scheduler, tqdm progress bar)
# bug: lr_scheduler.step() is called before optimizer.step() in every update
import argparse
import logging

import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset
from tqdm.auto import tqdm
from transformers import get_scheduler

logger = logging.getLogger(__name__)


class TokenTagger(nn.Module):
    def __init__(self, vocab=30000, dim=256, num_labels=9):
        super().__init__()
        self.emb = nn.Embedding(vocab, dim, padding_idx=0)
        self.rnn = nn.LSTM(dim, dim // 2, batch_first=True, bidirectional=True)
        self.classifier = nn.Linear(dim, num_labels)

    def forward(self, input_ids):
        h, _ = self.rnn(self.emb(input_ids))
        return self.classifier(h)


def parse_args():
    parser = argparse.ArgumentParser()
    parser.add_argument("--learning_rate", type=float, default=3e-5)
    parser.add_argument("--num_train_epochs", type=int, default=3)
    parser.add_argument("--lr_scheduler_type", type=str, default="linear")
    parser.add_argument("--num_warmup_steps", type=int, default=0)
    parser.add_argument("--per_device_train_batch_size", type=int, default=16)
    return parser.parse_args()


def main():
    args = parse_args()
    ids = torch.randint(1, 30000, (2000, 48))
    tags = torch.randint(0, 9, (2000, 48))
    tags[:, 40:] = -100
    train_dataloader = DataLoader(TensorDataset(ids, tags), shuffle=True, batch_size=args.per_device_train_batch_size)
    model = TokenTagger()
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.learning_rate)
    max_train_steps = args.num_train_epochs * len(train_dataloader)
    lr_scheduler = get_scheduler(name=args.lr_scheduler_type, optimizer=optimizer,
                                 num_warmup_steps=args.num_warmup_steps, num_training_steps=max_train_steps)
    logger.info("***** Running training *****")
    progress_bar = tqdm(range(max_train_steps))
    for epoch in range(args.num_train_epochs):
        model.train()
        total_loss = 0.0
        for step, (input_ids, labels) in enumerate(train_dataloader):
            logits = model(input_ids)
            loss = nn.functional.cross_entropy(logits.view(-1, 9), labels.view(-1), ignore_index=-100)
            total_loss += loss.detach().float().item()
            loss.backward()
            lr_scheduler.step()
            optimizer.step()
            optimizer.zero_grad()
            progress_bar.update(1)
        logger.info(f"epoch {epoch}: train_loss {total_loss / len(train_dataloader):.4f}")


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    main()
