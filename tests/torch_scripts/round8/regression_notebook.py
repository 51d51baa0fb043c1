"""A linear-regression and a logistic-regression notebook printed whole: print(model) and
print(model.weight) ("Parameter containing:"), print(loss) each epoch with its grad_fn
(MseLossBackward0, BinaryCrossEntropyWithLogitsBackward0, NllLossBackward0), the gradients,
loss.item() formatted, the learned parameters with list(model.parameters()) and
model.state_dict() (an OrderedDict of tensors), predictions under torch.no_grad(), and
accuracy from sigmoid/argmax."""
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



class LinearRegression(nn.Module):
    def __init__(self):
        super().__init__()
        self.linear = nn.Linear(1, 1)

    def forward(self, x):
        return self.linear(x)


class Models(nn.Module):
    def __init__(self):
        super().__init__()
        self.reg = LinearRegression()
        self.logit = nn.Linear(2, 1)
        self.clf = nn.Sequential(nn.Linear(2, 6), nn.Tanh(), nn.Linear(6, 3))


models = Models()
init_weights(models)
model = models.reg
print(model)
print(model.linear.weight)
print(model.linear.bias)

x_train = torch.tensor([[1.0], [2.0], [3.0], [4.0], [5.0]])
y_train = torch.tensor([[2.1], [3.9], [6.2], [7.8], [10.1]])
criterion = nn.MSELoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.02)
for epoch in range(5):
    outputs = model(x_train)
    loss = criterion(outputs, y_train)
    optimizer.zero_grad()
    loss.backward()
    print(loss)
    print(model.linear.weight.grad, model.linear.bias.grad)
    optimizer.step()
    print(f"Epoch [{epoch + 1}/5], Loss: {loss.item():.4f}")
print(list(model.parameters()))
print(model.state_dict())
with torch.no_grad():
    predicted = model(torch.tensor([[6.0]]))
print(predicted, predicted.requires_grad)
print(model(torch.tensor([[6.0]])).detach().numpy())

rng = np.random.default_rng(12)
X = torch.from_numpy(rng.normal(size=(16, 2)).astype(np.float32))
y = (X[:, 0] + 0.5 * X[:, 1] > 0).float().unsqueeze(1)
logit = models.logit
opt = torch.optim.Adam(logit.parameters(), lr=0.1)
bce = nn.BCEWithLogitsLoss()
for epoch in range(3):
    opt.zero_grad()
    loss = bce(logit(X), y)
    loss.backward()
    opt.step()
    print(epoch, loss)
with torch.no_grad():
    prob = torch.sigmoid(logit(X[:4]))
    print(prob)
    print((prob > 0.5).float())
    acc = ((torch.sigmoid(logit(X)) > 0.5).float() == y).float().mean()
print(f"accuracy: {acc:.4f}", acc)
print(nn.BCELoss()(torch.sigmoid(logit(X[:3])), y[:3]))

clf = models.clf
labels = (X[:, 0] > 0).long() + (X[:, 1] > 0).long()
opt = torch.optim.SGD(clf.parameters(), lr=0.5)
loss_fn = nn.CrossEntropyLoss()
for epoch in range(3):
    logits = clf(X)
    loss = loss_fn(logits, labels)
    opt.zero_grad()
    loss.backward()
    opt.step()
    print(f"epoch {epoch}: {loss}")
print(nn.NLLLoss()(torch.log_softmax(clf(X[:4]), dim=1), labels[:4]))
print(nn.SmoothL1Loss()(clf(X[:2]), torch.zeros(2, 3)))
print(nn.functional.softmax(clf(X[:2]), dim=1))
print(clf(X[:3]).argmax(dim=1), labels[:3])
print(clf[0].weight.grad)
