# expect: clean
# style: Hugging Face Trainer subclass for distillation (DistillationTrainer overriding compute_loss), DistilBERT-style student
# note: only the teacher forward is under torch.no_grad(); the student forward carries the gradient; kl_div gets log_softmax input and softmax target
import argparse
import torch
import torch.nn.functional as F
from transformers import AutoModelForSequenceClassification, AutoTokenizer, Trainer, TrainingArguments


class DistillationTrainer(Trainer):
    def __init__(self, *args, teacher_model=None, temperature=2.0, alpha=0.5, **kwargs):
        super().__init__(*args, **kwargs)
        self.teacher = teacher_model
        self.teacher.eval()
        for p in self.teacher.parameters():
            p.requires_grad_(False)
        self.temperature, self.alpha = temperature, alpha

    def compute_loss(self, model, inputs, return_outputs=False, **kwargs):
        outputs_student = model(**inputs)
        with torch.no_grad():
            outputs_teacher = self.teacher(**inputs)
        T = self.temperature
        loss_kd = F.kl_div(F.log_softmax(outputs_student.logits / T, dim=-1),
                           F.softmax(outputs_teacher.logits / T, dim=-1), reduction="batchmean") * T * T
        loss = self.alpha * outputs_student.loss + (1.0 - self.alpha) * loss_kd
        return (loss, outputs_student) if return_outputs else loss


class SST2Like(torch.utils.data.Dataset):
    def __init__(self, tok, n):
        texts = [f"this movie was {'great' if i % 2 else 'awful'} number {i}" for i in range(n)]
        self.enc = tok(texts, truncation=True, padding="max_length", max_length=24)
        self.labels = [i % 2 for i in range(n)]

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, i):
        item = {k: torch.tensor(v[i]) for k, v in self.enc.items()}
        item["labels"] = torch.tensor(self.labels[i])
        return item


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--teacher", default="textattack/bert-base-uncased-SST-2")
    ap.add_argument("--student", default="distilbert-base-uncased")
    ap.add_argument("--temperature", type=float, default=4.0)
    ap.add_argument("--alpha", type=float, default=0.5)
    args = ap.parse_args()
    tok = AutoTokenizer.from_pretrained(args.student)
    teacher = AutoModelForSequenceClassification.from_pretrained(args.teacher, num_labels=2)
    student = AutoModelForSequenceClassification.from_pretrained(args.student, num_labels=2)
    targs = TrainingArguments("distil-out", num_train_epochs=3, per_device_train_batch_size=32,
                              learning_rate=6e-5, warmup_ratio=0.1, logging_steps=25, report_to=[])
    trainer = DistillationTrainer(model=student, args=targs, train_dataset=SST2Like(tok, 2000),
                                  eval_dataset=SST2Like(tok, 300), teacher_model=teacher,
                                  temperature=args.temperature, alpha=args.alpha)
    trainer.train()
    print(trainer.evaluate())


if __name__ == "__main__":
    main()
