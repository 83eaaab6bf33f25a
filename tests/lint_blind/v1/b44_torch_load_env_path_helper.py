# expect: TVL014
# style: serving / fine-tune script configured through environment variables (SageMaker/Docker style)
# bug: the checkpoint path comes from os.environ and load_pretrained() calls torch.load(path) without weights_only=True
import logging
import os

import torch
import torch.nn as nn
import torch.nn.functional as F

logger = logging.getLogger(__name__)

MODEL_DIR = os.environ.get("SM_MODEL_DIR", "/opt/ml/model")
PRETRAINED_CKPT = os.environ["PRETRAINED_CKPT"]
EPOCHS = int(os.environ.get("EPOCHS", "3"))


class IntentClassifier(nn.Module):
    def __init__(self, vocab=6000, dim=96, n_intents=12):
        super().__init__()
        self.embedding = nn.EmbeddingBag(vocab, dim)
        self.fc = nn.Linear(dim, n_intents)

    def forward(self, tokens):
        return self.fc(self.embedding(tokens))


def load_pretrained(model, ckpt_path):
    logger.info("loading pretrained weights from %s", ckpt_path)
    state = torch.load(ckpt_path, map_location="cpu")
    if "model" in state:
        state = state["model"]
    missing, unexpected = model.load_state_dict(state, strict=False)
    logger.info("missing=%s unexpected=%s", missing, unexpected)
    return model


def finetune(model, steps_per_epoch=100):
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    for epoch in range(EPOCHS):
        model.train()
        running = 0.0
        for _ in range(steps_per_epoch):
            tokens = torch.randint(0, 6000, (32, 20))
            labels = torch.randint(0, 12, (32,))
            optimizer.zero_grad()
            loss = F.cross_entropy(model(tokens), labels)
            loss.backward()
            optimizer.step()
            running += loss.item()
        logger.info("epoch %d loss %.4f", epoch, running / steps_per_epoch)
    return model


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    model = load_pretrained(IntentClassifier(), PRETRAINED_CKPT)
    model = finetune(model)
    torch.save(model.state_dict(), os.path.join(MODEL_DIR, "model.pth"))
