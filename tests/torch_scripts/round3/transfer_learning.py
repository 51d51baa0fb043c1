"""Transfer learning (the finetuning tutorial's loop): a small "pretrained" backbone frozen
with requires_grad = False, its classifier head replaced (model.fc = nn.Linear(...)),
optim.SGD on model.fc.parameters() only, lr_scheduler.StepLR, torch.set_grad_enabled(phase
== 'train'), running_corrects += torch.sum(preds == labels.data), .double() / size,
copy.deepcopy of the best state_dict and load_state_dict at the end."""
import copy
import os

import numpy as np
import torch
import torch.nn as nn
import torch.optim as optim
from torch.optim import lr_scheduler
from torch.utils.data import DataLoader, TensorDataset


class Backbone(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 8, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(8)
        self.relu = nn.ReLU(inplace=True)
        self.layer1 = nn.Sequential(nn.Conv2d(8, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU())
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(8, 10)

    def forward(self, x):
        x = self.relu(self.bn1(self.conv1(x)))
        x = self.layer1(x)
        x = self.avgpool(x)
        x = torch.flatten(x, 1)
        return self.fc(x)


def init_weights(model, tag):
    path = os.environ.get("INIT_WEIGHTS")
    if not path:
        return
    path = f"{path}.{tag}.npz"
    if os.path.exists(path):
        arrays = np.load(path)
        model.load_state_dict({k: torch.from_numpy(arrays[k]) for k in arrays.files})
    else:
        np.savez(path, **{k: v.detach().cpu().numpy() for k, v in model.state_dict().items()})


rng = np.random.default_rng(0)
data = {x: torch.from_numpy(rng.normal(size=(24, 3, 8, 8)).astype(np.float32)) for x in ["train", "val"]}
labels = {x: torch.from_numpy((data[x][:, 0].mean((1, 2)) > 0).long().numpy()) for x in ["train", "val"]}
image_datasets = {x: TensorDataset(data[x], labels[x]) for x in ["train", "val"]}
dataloaders = {x: DataLoader(image_datasets[x], batch_size=8, shuffle=False) for x in ["train", "val"]}
dataset_sizes = {x: len(image_datasets[x]) for x in ["train", "val"]}
device = torch.device("cuda:0" if torch.cuda.is_available() else "cpu")


def train_model(model, criterion, optimizer, scheduler, num_epochs=3, tag=""):
    best_model_wts = copy.deepcopy(model.state_dict())
    best_acc = 0.0
    for epoch in range(num_epochs):
        for phase in ["train", "val"]:
            if phase == "train":
                model.train()
            else:
                model.eval()
            running_loss = 0.0
            running_corrects = 0
            for inputs, labels_ in dataloaders[phase]:
                inputs = inputs.to(device)
                labels_ = labels_.to(device)
                optimizer.zero_grad()
                with torch.set_grad_enabled(phase == "train"):
                    outputs = model(inputs)
                    _, preds = torch.max(outputs, 1)
                    loss = criterion(outputs, labels_)
                    if phase == "train":
                        loss.backward()
                        optimizer.step()
                running_loss += loss.item() * inputs.size(0)
                running_corrects += torch.sum(preds == labels_.data)
            if phase == "train":
                scheduler.step()
            epoch_loss = running_loss / dataset_sizes[phase]
            epoch_acc = running_corrects.double() / dataset_sizes[phase]
            print(f"LOSS {tag}{phase}{epoch} {epoch_loss:.6f} {epoch_acc:.4f}")
            if phase == "val" and epoch_acc > best_acc:
                best_acc = epoch_acc
                best_model_wts = copy.deepcopy(model.state_dict())
    model.load_state_dict(best_model_wts)
    return model


# finetune everything
model_ft = Backbone()
init_weights(model_ft, "ft")
num_ftrs = model_ft.fc.in_features
model_ft.fc = nn.Linear(num_ftrs, 2)
init_weights(model_ft.fc, "ft_fc")
model_ft = model_ft.to(device)
criterion = nn.CrossEntropyLoss()
optimizer_ft = optim.SGD(model_ft.parameters(), lr=0.01, momentum=0.9)
exp_lr_scheduler = lr_scheduler.StepLR(optimizer_ft, step_size=2, gamma=0.1)
model_ft = train_model(model_ft, criterion, optimizer_ft, exp_lr_scheduler, num_epochs=3, tag="ft")

# fixed feature extractor
model_conv = Backbone()
init_weights(model_conv, "conv")
for param in model_conv.parameters():
    param.requires_grad = False
model_conv.fc = nn.Linear(model_conv.fc.in_features, 2)
init_weights(model_conv.fc, "conv_fc")
optimizer_conv = optim.SGD(model_conv.fc.parameters(), lr=0.01, momentum=0.9)
exp_lr_scheduler = lr_scheduler.StepLR(optimizer_conv, step_size=2, gamma=0.1)
frozen_before = model_conv.conv1.weight.detach().clone()
running_mean_before = model_conv.bn1.running_mean.clone()
model_conv = train_model(model_conv, criterion, optimizer_conv, exp_lr_scheduler, num_epochs=3, tag="conv")
print("FROZEN", bool(torch.equal(frozen_before, model_conv.conv1.weight)),
      model_conv.conv1.weight.grad is None)
print("LOSS running_mean", (model_conv.bn1.running_mean - running_mean_before).abs().sum().item())
n_trainable = sum(p.numel() for p in model_conv.parameters() if p.requires_grad)
print("LOSS trainable", n_trainable)
