"""Optimizers and schedulers as training notebooks print them: print(optimizer) for each
torch.optim optimizer with defaults and with options, two parameter groups (a backbone at a
lower lr), add_param_group, print(scheduler.get_last_lr()) epoch by epoch for StepLR,
MultiStepLR, ExponentialLR, CosineAnnealingLR, OneCycleLR, LambdaLR, LinearLR and a
SequentialLR warm-up, and ReduceLROnPlateau's lr after a plateau."""
import os

import numpy as np
import torch
from torch import nn


def init_weights(model):
    path = os.environ.get("INIT_WEIGHTS")
    if not path:
        return
    if os.path.exists(path):
        arrays = np.load(path)
        model.load_state_dict({k: torch.from_numpy(arrays[k]) for k in arrays.files})
    else:
        np.savez(path, **{k: v.detach().cpu().numpy() for k, v in model.state_dict().items()})



class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.backbone = nn.Linear(4, 8)
        self.head = nn.Linear(8, 2)

    def forward(self, x):
        return self.head(torch.relu(self.backbone(x)))


model = Net()
init_weights(model)
params = list(model.parameters())
O = torch.optim
print(O.SGD(params, lr=0.1))
print(O.SGD(params, lr=0.05, momentum=0.9, nesterov=True, weight_decay=5e-4))
print(O.Adam(params))
print(O.Adam(params, lr=3e-4, betas=(0.5, 0.99), amsgrad=True))
print(O.AdamW(params, lr=1e-3, weight_decay=0.05))
print(O.RMSprop(params, lr=0.01, alpha=0.9, centered=True))
print(O.Adagrad(params, lr=0.1))
print(O.Adadelta(params))
print(O.Adamax(params))
print(O.NAdam(params))
print(O.RAdam(params))
print(O.Rprop(params))
print(O.ASGD(params))
print(O.LBFGS(params))

optimizer = O.SGD([{"params": model.backbone.parameters(), "lr": 1e-3},
                   {"params": model.head.parameters()}], lr=1e-2, momentum=0.9)
print(optimizer)
print(len(optimizer.param_groups), [g["lr"] for g in optimizer.param_groups])
extra = nn.Parameter(torch.zeros(3))
optimizer.add_param_group({"params": [extra], "weight_decay": 0.1})
print(optimizer)

x = model.backbone.weight.detach()[:, :4].clone()
target = torch.tensor([0, 1, 1, 0, 1, 0, 0, 1])


def train_step(opt):
    opt.zero_grad()
    loss = nn.functional.cross_entropy(model(x), target)
    loss.backward()
    opt.step()
    return loss.item()


def show(name, opt, scheduler, epochs=6, metric=False):
    lrs = []
    for epoch in range(epochs):
        loss = train_step(opt)
        if metric:
            scheduler.step(1.0)
            lrs.append(opt.param_groups[0]["lr"])
        else:
            scheduler.step()
            lrs.append(scheduler.get_last_lr())
        print(name, epoch, f"{loss:.5f}", lrs[-1])


S = torch.optim.lr_scheduler
opt = O.SGD(model.parameters(), lr=0.1)
show("StepLR", opt, S.StepLR(opt, step_size=2, gamma=0.1))
opt = O.SGD(model.parameters(), lr=0.1, momentum=0.9)
show("MultiStepLR", opt, S.MultiStepLR(opt, milestones=[2, 4], gamma=0.5))
opt = O.Adam(model.parameters(), lr=0.01)
show("ExponentialLR", opt, S.ExponentialLR(opt, gamma=0.9))
opt = O.SGD(model.parameters(), lr=0.1)
show("CosineAnnealingLR", opt, S.CosineAnnealingLR(opt, T_max=6))
opt = O.SGD(model.parameters(), lr=0.1, momentum=0.9)
show("OneCycleLR", opt, S.OneCycleLR(opt, max_lr=0.1, total_steps=7))
opt = O.SGD(model.parameters(), lr=0.1)
show("LambdaLR", opt, S.LambdaLR(opt, lr_lambda=lambda epoch: 0.95 ** epoch))
opt = O.SGD(model.parameters(), lr=0.1)
show("LinearLR", opt, S.LinearLR(opt, start_factor=0.25, total_iters=4))
opt = O.SGD(model.parameters(), lr=0.1)
warm = S.LinearLR(opt, start_factor=0.1, total_iters=2)
cos = S.CosineAnnealingLR(opt, T_max=4)
show("SequentialLR", opt, S.SequentialLR(opt, schedulers=[warm, cos], milestones=[2]))
opt = O.SGD(model.parameters(), lr=0.1)
show("ReduceLROnPlateau", opt, S.ReduceLROnPlateau(opt, patience=1, factor=0.5), metric=True)
print(S.StepLR(O.SGD(params, lr=0.3), step_size=3).get_last_lr())
print(O.SGD(params, lr=0.1).state_dict()["param_groups"][0]["lr"])
