# expect: clean
# A Hugging Face Trainer subclass weighs the classes in compute_loss; the Trainer backpropagates
# what it returns, and the logits reach that loss as they are.
import torch
import torch.nn.functional as F
from transformers import AutoModelForSequenceClassification, Trainer, TrainingArguments


class BalancedTrainer(Trainer):
    def __init__(self, *args, class_weights=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.class_weights = class_weights

    def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
        labels = inputs.pop("labels")
        out = model(**inputs)
        scores = out.logits
        loss = F.cross_entropy(scores, labels, weight=self.class_weights.to(scores.device))
        return (loss, out) if return_outputs else loss


model = AutoModelForSequenceClassification.from_pretrained("distilroberta-base", num_labels=3)
args = TrainingArguments("runs/balanced", per_device_train_batch_size=16, num_train_epochs=2)
BalancedTrainer(model=model, args=args, class_weights=torch.tensor([1.0, 2.5, 4.0])).train()
