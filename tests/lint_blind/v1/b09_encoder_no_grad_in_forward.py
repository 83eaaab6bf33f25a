# expect: TVL001
# style: HF transformers-style custom model (pretrained-ish encoder + classification head, plain PyTorch loop)
# bug: TextClassifier.forward runs the encoder under torch.no_grad(), yet encoder params are optimised via list(a)+list(b)
import argparse
import logging

import torch
import torch.nn as nn
import torch.nn.functional as F

logger = logging.getLogger(__name__)


class TextEncoder(nn.Module):
    def __init__(self, vocab_size, hidden, n_layers=2):
        super().__init__()
        self.tok = nn.Embedding(vocab_size, hidden)
        layer = nn.TransformerEncoderLayer(hidden, nhead=4, batch_first=True)
        self.layers = nn.TransformerEncoder(layer, n_layers)

    def forward(self, input_ids):
        return self.layers(self.tok(input_ids))


class ClassificationHead(nn.Module):
    def __init__(self, hidden, num_labels):
        super().__init__()
        self.dense = nn.Linear(hidden, hidden)
        self.out_proj = nn.Linear(hidden, num_labels)

    def forward(self, pooled):
        return self.out_proj(torch.tanh(self.dense(pooled)))


class TextClassifier(nn.Module):
    def __init__(self, vocab_size, hidden, num_labels):
        super().__init__()
        self.encoder = TextEncoder(vocab_size, hidden)
        self.head = ClassificationHead(hidden, num_labels)

    def forward(self, input_ids):
        with torch.no_grad():
            hidden_states = self.encoder(input_ids)
        return self.head(hidden_states[:, 0])


def main():
    parser = argparse.ArgumentParser(description="Finetune a text classifier")
    parser.add_argument("--learning_rate", type=float, default=2e-5)
    parser.add_argument("--num_train_epochs", type=int, default=3)
    parser.add_argument("--per_device_train_batch_size", type=int, default=16)
    args = parser.parse_args()

    model = TextClassifier(vocab_size=3000, hidden=128, num_labels=3)
    params = list(model.encoder.parameters()) + list(model.head.parameters())
    optimizer = torch.optim.AdamW(params, lr=args.learning_rate, weight_decay=0.01)

    for epoch in range(args.num_train_epochs):
        model.train()
        for step in range(100):
            input_ids = torch.randint(0, 3000, (args.per_device_train_batch_size, 64))
            labels = torch.randint(0, 3, (args.per_device_train_batch_size,))
            logits = model(input_ids)
            loss = F.cross_entropy(logits, labels)
            loss.backward()
            optimizer.step()
            optimizer.zero_grad()
            if step % 25 == 0:
                logger.info("epoch %d step %d loss %.4f", epoch, step, loss.item())


if __name__ == "__main__":
    main()
