"""``tengen distill``: train a fast network on a larger one's judgement (Hinton et al. 2015).

The supervised task with richer targets: the policy loss is cross-entropy against a mix
of the move played (one point) and the teacher's whole move distribution (which also says
how good the second and third choices are), and the value target mixes the game's outcome
with the teacher's value (a smooth estimate instead of a ±1 that only the end decides).
The teacher runs in the same forward pass, without gradients, on the same batch and
symmetry. Everything else (shards, loop, resume, logs, validation) is the SL trainer's.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F

from tengen.nets.checkpoint import load_checkpoint
from tengen.nets.train_config import DistillConfig
from tengen.nets.train_sl import SupervisedTask, train


class DistillTask(SupervisedTask):
    step_fields = ["loss_policy", "loss_teacher", "loss_value", "train_top1"]

    def __init__(self, cfg: DistillConfig):
        super().__init__(cfg)
        self.teacher, _ = load_checkpoint(cfg.teacher)
        for p in self.teacher.parameters():
            p.requires_grad_(False)
        self._on = None  # the device the teacher was moved to

    def _teacher(self, device):
        if self._on != device:
            self.teacher = self.teacher.to(device).eval()
            if self.cfg.channels_last:
                self.teacher = self.teacher.to(memory_format=torch.channels_last)
            self._on = device
        return self.teacher

    def loss(self, model, batch, device):
        cfg: DistillConfig = self.cfg
        x, y, z = self.tensors(batch, device)
        with torch.no_grad():
            t_logits, t_value = self._teacher(device)(x)
            t_prob = F.softmax(t_logits.float() / cfg.temperature, dim=1)
        logits, value = model(x)
        logp = F.log_softmax(logits.float(), dim=1)
        loss_moves = F.nll_loss(logp, y)
        loss_teacher = -(t_prob * logp).sum(1).mean()  # KL to the teacher, plus its entropy
        loss_p = (1 - cfg.teacher_weight) * loss_moves + cfg.teacher_weight * loss_teacher
        known = (z != 0).float()  # where the record has no result, the teacher's value alone
        share = cfg.value_teacher + (1 - cfg.value_teacher) * (1 - known)
        target = share * t_value.float() + (1 - share) * z
        loss_v = ((value.float() - target) ** 2).mean()
        top1 = (logits.argmax(1) == y).float().mean().item()
        return (loss_p + cfg.value_weight * loss_v,
                {"loss_policy": loss_moves.item(), "loss_teacher": loss_teacher.item(),
                 "loss_value": loss_v.item(), "train_top1": top1})


def distill(cfg: DistillConfig, progress: bool = True) -> dict:
    return train(cfg, progress, task_cls=DistillTask)


__all__ = ["DistillTask", "distill"]
