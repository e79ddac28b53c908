"""Residual policy-value network (AlphaGo Zero's tower, fully convolutional).

Policy: one logit per point from a 1x1 convolution, plus a pass logit from globally pooled
policy features, so the same weights play on any board size. Value: 1x1 convolution,
global average pooling, two dense layers, tanh; optionally (``ownership``) a 1x1
convolution of the same value features that predicts each point's final owner, KataGo's
auxiliary target: 361 labels a position instead of one outcome, so the value features
learn life and death from far fewer games; optionally (``score``) the final margin in
points for the side to move, from the same pooled features through its own two dense
layers, in units of ``SCORE_UNIT`` points (so that its gradients are of the value's
size: a sum over the points of a convolution, tried first, took 361 points' gradients
into one weight and unsettled the value under SGD). A checkpoint carries the config, the
feature set and training metadata with the weights, so loading needs nothing else.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn
import torch.nn.functional as F

from tengen.nets.features import NUM_PLANES

SCORE_UNIT = 20.0  # points: the score output's unit


@dataclass(frozen=True)
class ModelConfig:
    blocks: int = 6
    channels: int = 64
    in_planes: int = NUM_PLANES
    policy_channels: int = 32
    value_channels: int = 32
    value_hidden: int = 128
    ownership: bool = False  # the auxiliary ownership output (value training)
    score: bool = False  # the auxiliary final-margin output (value training)
    aux_channels: int = 0  # > 0: those outputs read their own 3x3 convolution of the trunk


CONFIGS = {
    "b1c8": ModelConfig(1, 8, policy_channels=4, value_channels=4, value_hidden=8),
    "b4c48": ModelConfig(4, 48),
    "b6c64": ModelConfig(6, 64),
    "b6c96": ModelConfig(6, 96),
    "b10c128": ModelConfig(10, 128),
    "b20c256": ModelConfig(20, 256, policy_channels=48, value_channels=48, value_hidden=256),
}


class ResBlock(nn.Module):
    def __init__(self, c: int):
        super().__init__()
        self.conv1 = nn.Conv2d(c, c, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(c)
        self.conv2 = nn.Conv2d(c, c, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(c)

    def forward(self, x):
        y = F.relu(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(y))
        return F.relu(x + y)


class PolicyValueNet(nn.Module):
    def __init__(self, cfg: ModelConfig):
        super().__init__()
        self.cfg = cfg
        c = cfg.channels
        self.stem = nn.Sequential(nn.Conv2d(cfg.in_planes, c, 3, padding=1, bias=False),
                                  nn.BatchNorm2d(c), nn.ReLU(inplace=True))
        self.tower = nn.Sequential(*[ResBlock(c) for _ in range(cfg.blocks)])
        pc, vc = cfg.policy_channels, cfg.value_channels
        self.policy_conv = nn.Sequential(nn.Conv2d(c, pc, 1, bias=False), nn.BatchNorm2d(pc),
                                         nn.ReLU(inplace=True))
        self.policy_point = nn.Conv2d(pc, 1, 1)
        self.policy_pass = nn.Linear(pc, 1)
        self.value_conv = nn.Sequential(nn.Conv2d(c, vc, 1, bias=False), nn.BatchNorm2d(vc),
                                        nn.ReLU(inplace=True))
        self.value_fc = nn.Sequential(nn.Linear(vc, cfg.value_hidden), nn.ReLU(inplace=True),
                                      nn.Linear(cfg.value_hidden, 1))
        ac = cfg.aux_channels or vc
        if cfg.aux_channels:
            self.aux_conv = nn.Sequential(nn.Conv2d(c, ac, 3, padding=1, bias=False),
                                          nn.BatchNorm2d(ac), nn.ReLU(inplace=True))
        if cfg.ownership:
            self.ownership_conv = nn.Conv2d(ac, 1, 1)
        if cfg.score:
            self.score_fc = nn.Sequential(nn.Linear(ac, cfg.value_hidden), nn.ReLU(inplace=True),
                                          nn.Linear(cfg.value_hidden, 1))

    def trunk(self, x: torch.Tensor) -> torch.Tensor:
        return self.tower(self.stem(x))

    def value_head(self, h: torch.Tensor):
        """Trunk features -> value (N,), ownership logits (N, n*n) and the margin in
        points (N,), both for the side to move, each None when the net lacks it."""
        f = self.value_conv(h)
        pooled = f.mean(dim=(2, 3))
        value = torch.tanh(self.value_fc(pooled)).squeeze(1)
        return (value, *self.aux_heads(h, f, pooled))

    def aux_heads(self, h: torch.Tensor, f: torch.Tensor, pooled: torch.Tensor):
        """Trunk features ``h``, value features ``f`` and their pooled mean -> ownership
        logits and margin, each None when the net lacks that output. They read the value
        features, or with ``aux_channels`` their own convolution of the trunk (trained
        beside a frozen net, the value's 1x1 features alone kept too little of who owns
        each point: 0.876 of the points of judged KGS finals after move 150, where 128
        rollouts get 0.922)."""
        if self.cfg.aux_channels:
            f = self.aux_conv(h)
            pooled = f.mean(dim=(2, 3))
        own = self.ownership_conv(f).flatten(1) if self.cfg.ownership else None
        score = SCORE_UNIT * self.score_fc(pooled).squeeze(1) if self.cfg.score else None
        return own, score

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """x: (N, planes, n, n) -> policy logits (N, n*n + 1), value in [-1, 1] (N,)."""
        h = self.trunk(x)
        p = self.policy_conv(h)
        points = self.policy_point(p).flatten(1)
        pass_logit = self.policy_pass(p.mean(dim=(2, 3)))
        value = self.value_head(h)[0]
        return torch.cat([points, pass_logit], dim=1), value


def build_model(name_or_cfg: str | ModelConfig) -> PolicyValueNet:
    cfg = CONFIGS[name_or_cfg] if isinstance(name_or_cfg, str) else name_or_cfg
    return PolicyValueNet(cfg)


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())
