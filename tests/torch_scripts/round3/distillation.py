"""Knowledge distillation (the tutorial's recipe): a teacher trained with cross-entropy, then a
student trained on soft targets, KL divergence of temperature-scaled log-softmaxes times T²,
plus a cosine-embedding loss between hidden representations."""
# ruff: noqa: B007  (the tutorial's own style, kept as written)
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim


class DeepNN(nn.Module):
    def __init__(self, num_classes=4):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 8, kernel_size=3, padding=1), nn.ReLU(),
            nn.Conv2d(8, 8, kernel_size=3, padding=1), nn.ReLU(),
            nn.MaxPool2d(kernel_size=2, stride=2),
        )
        self.classifier = nn.Sequential(nn.Linear(8 * 4 * 4, 32), nn.ReLU(), nn.Dropout(0.1),
                                        nn.Linear(32, num_classes))

    def forward(self, x, return_hidden=False):
        x = self.features(x)
        h = torch.flatten(x, 1)
        x = self.classifier(h)
        return (x, h) if return_hidden else x


class LightNN(nn.Module):
    def __init__(self, num_classes=4):
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(3, 8, kernel_size=3, padding=1), nn.ReLU(),
                                      nn.MaxPool2d(kernel_size=2, stride=2))
        self.classifier = nn.Sequential(nn.Linear(8 * 4 * 4, 16), nn.ReLU(), nn.Dropout(0.1),
                                        nn.Linear(16, num_classes))

    def forward(self, x, return_hidden=False):
        x = self.features(x)
        h = torch.flatten(x, 1)
        x = self.classifier(h)
        return (x, h) if return_hidden else x


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
X = torch.from_numpy(rng.normal(size=(32, 3, 8, 8)).astype(np.float32))
Y = torch.from_numpy((X[:, 0, :4].mean((1, 2)).numpy() > 0).astype(np.int64)
                     + 2 * (X[:, 1, 4:].mean((1, 2)).numpy() > 0).astype(np.int64))
batches = [(X[i:i + 8], Y[i:i + 8]) for i in range(0, 32, 8)]


def train(model, epochs, learning_rate, tag):
    criterion = nn.CrossEntropyLoss()
    optimizer = optim.Adam(model.parameters(), lr=learning_rate)
    model.eval()  # dropout off, so the comparison with torch is exact
    for epoch in range(epochs):
        running_loss = 0.0
        for inputs, labels in batches:
            optimizer.zero_grad()
            outputs = model(inputs)
            loss = criterion(outputs, labels)
            loss.backward()
            optimizer.step()
            running_loss += loss.item()
        print(f"LOSS {tag}{epoch} {running_loss / len(batches):.6f}")


def train_knowledge_distillation(teacher, student, epochs, learning_rate, T,
                                 soft_target_loss_weight, ce_loss_weight, tag):
    ce_loss = nn.CrossEntropyLoss()
    optimizer = optim.Adam(student.parameters(), lr=learning_rate)
    teacher.eval()
    student.eval()
    for epoch in range(epochs):
        running_loss = 0.0
        for inputs, labels in batches:
            optimizer.zero_grad()
            with torch.no_grad():
                teacher_logits = teacher(inputs)
            student_logits = student(inputs)
            soft_targets = nn.functional.softmax(teacher_logits / T, dim=-1)
            soft_prob = nn.functional.log_softmax(student_logits / T, dim=-1)
            soft_targets_loss = torch.sum(soft_targets * (soft_targets.log() - soft_prob)) / soft_prob.size()[0] * (T ** 2)
            label_loss = ce_loss(student_logits, labels)
            loss = soft_target_loss_weight * soft_targets_loss + ce_loss_weight * label_loss
            loss.backward()
            optimizer.step()
            running_loss += loss.item()
        print(f"LOSS {tag}{epoch} {running_loss / len(batches):.6f}")


def train_kl_cosine(teacher, student, epochs, learning_rate, T, tag):
    optimizer = optim.SGD(student.parameters(), lr=learning_rate, momentum=0.9)
    kl = nn.KLDivLoss(reduction="batchmean")
    cosine_loss = nn.CosineEmbeddingLoss()
    teacher.eval()
    student.eval()
    for epoch in range(epochs):
        running_loss = 0.0
        for inputs, labels in batches:
            optimizer.zero_grad()
            with torch.no_grad():
                teacher_logits, teacher_hidden = teacher(inputs, return_hidden=True)
            student_logits, student_hidden = student(inputs, return_hidden=True)
            loss_kl = kl(F.log_softmax(student_logits / T, dim=1),
                         F.softmax(teacher_logits / T, dim=1)) * T * T
            loss_kl2 = F.kl_div(F.log_softmax(student_logits / T, dim=1),
                                F.log_softmax(teacher_logits / T, dim=1), reduction="sum",
                                log_target=True) / inputs.size(0)
            target = torch.ones(inputs.size(0))
            loss_cos = cosine_loss(student_hidden, teacher_hidden, target)
            loss = 0.5 * loss_kl + 0.25 * loss_kl2 + 0.25 * loss_cos
            loss.backward()
            optimizer.step()
            running_loss += loss.item()
        print(f"LOSS {tag}{epoch} {running_loss / len(batches):.6f}")


teacher = DeepNN()
init_weights(teacher, "teacher")
train(teacher, epochs=3, learning_rate=1e-2, tag="teacher")
student = LightNN()
init_weights(student, "student")
train_knowledge_distillation(teacher, student, epochs=3, learning_rate=1e-2, T=2,
                             soft_target_loss_weight=0.25, ce_loss_weight=0.75, tag="kd")
student2 = LightNN()
init_weights(student2, "student2")
train_kl_cosine(teacher, student2, epochs=3, learning_rate=1e-2, T=4.0, tag="klcos")
total_params_deep = sum(p.numel() for p in teacher.parameters())
total_params_light = sum(p.numel() for p in student.parameters())
print("PARAMS", total_params_deep, total_params_light)
