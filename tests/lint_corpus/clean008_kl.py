# expect: clean
import torch.nn.functional as F


def distill_loss(student_logits, teacher_logits, T=2.0):
    p_teacher = F.softmax(teacher_logits / T, dim=-1)
    log_p_student = F.log_softmax(student_logits / T, dim=-1)
    return F.kl_div(log_p_student, p_teacher, reduction="batchmean") * T * T
