"""The "Build the Neural Network" tutorial printed whole: print(model) of the tutorial's
NeuralNetwork, the logits and softmax of a batch, the predicted class, nn.Flatten and the
Linear/ReLU steps with their grad_fn names (SliceBackward0, ReluBackward0, SoftmaxBackward0),
and the named_parameters loop printing each Size and its first two rows."""
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


class NeuralNetwork(nn.Module):
    def __init__(self):
        super().__init__()
        self.flatten = nn.Flatten()
        self.linear_relu_stack = nn.Sequential(
            nn.Linear(28 * 28, 512),
            nn.ReLU(),
            nn.Linear(512, 512),
            nn.ReLU(),
            nn.Linear(512, 10),
        )

    def forward(self, x):
        x = self.flatten(x)
        logits = self.linear_relu_stack(x)
        return logits


class Images(nn.Module):
    def __init__(self):
        super().__init__()
        self.register_buffer("images", torch.rand(3, 28, 28))


device = "cpu"
print(f"Using {device} device")
model = NeuralNetwork().to(device)
images = Images()
init_weights(nn.ModuleList([model, images]))  # one file for both
print(model)

X = images.images[:1]
logits = model(X)
pred_probab = nn.Softmax(dim=1)(logits)
y_pred = pred_probab.argmax(1)
print(f"Predicted class: {y_pred}")
print(pred_probab)

input_image = images.images
print(input_image.size())
flatten = nn.Flatten()
flat_image = flatten(input_image)
print(flat_image.size())

layer1 = model.linear_relu_stack[0]
hidden1 = layer1(flat_image)
print(hidden1.size())
hidden1 = hidden1[:, :20]
print(f"Before ReLU: {hidden1}\n\n")
hidden1 = nn.ReLU()(hidden1)
print(f"After ReLU: {hidden1}")

softmax = nn.Softmax(dim=1)
pred_probab = softmax(model(input_image))
print(pred_probab.sum(1).detach())

print(f"Model structure: {model}\n\n")
for name, param in model.named_parameters():
    print(f"Layer: {name} | Size: {param.size()} | Values : {param[:2]} \n")
print(model.linear_relu_stack[0].weight[0, :5])
print(model.linear_relu_stack[4].bias[-1])
print(sum(p.numel() for p in model.parameters()))
print([p.requires_grad for p in model.parameters()])
