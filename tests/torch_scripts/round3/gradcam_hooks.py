"""Grad-CAM written by hand, as in many tutorials: a forward hook keeps the last conv
layer's activations, register_full_backward_hook keeps the gradient of its output, the
class score is backpropagated, and the map is relu(sum(mean(grad) * activation)); also a
pre-hook that rescales grad_output and a hook that replaces grad_input (gradient clipping
of the input gradient), and vanilla saliency from x.grad."""
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


class SmallCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(4, 6, 3, padding=1), nn.ReLU(),
        )
        self.classifier = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(6, 3))

    def forward(self, x):
        return self.classifier(self.features(x))


def init_weights(model):
    path = os.environ.get("INIT_WEIGHTS")
    if not path:
        return
    if os.path.exists(path):
        arrays = np.load(path)
        model.load_state_dict({k: torch.from_numpy(arrays[k]) for k in arrays.files})
    else:
        np.savez(path, **{k: v.detach().cpu().numpy() for k, v in model.state_dict().items()})


rng = np.random.default_rng(0)
X = torch.from_numpy(rng.normal(size=(12, 1, 8, 8)).astype(np.float32))
Y = torch.from_numpy((X[:, 0, :4].mean((1, 2)) > 0).long().numpy() + (X[:, 0, :, :4].mean((1, 2)) > 0).long().numpy())
model = SmallCNN()
init_weights(model)
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
for step in range(5):
    loss = F.cross_entropy(model(X), Y)
    opt.zero_grad()
    loss.backward()
    opt.step()
    print(f"LOSS {step} {loss.item():.6f}")


class GradCAM:
    def __init__(self, model, layer):
        self.model = model
        self.activations = None
        self.gradients = None
        self.handles = [
            layer.register_forward_hook(self.save_activation),
            layer.register_full_backward_hook(self.save_gradient),
        ]

    def save_activation(self, module, inputs, output):
        self.activations = output.detach()

    def save_gradient(self, module, grad_input, grad_output):
        self.gradients = grad_output[0].detach()

    def __call__(self, x, class_idx=None):
        self.model.eval()
        x = x.clone().requires_grad_(True)
        logits = self.model(x)
        if class_idx is None:
            class_idx = logits.argmax(dim=1)
        score = logits.gather(1, class_idx.view(-1, 1)).sum()
        self.model.zero_grad()
        score.backward()
        weights = self.gradients.mean(dim=(2, 3), keepdim=True)
        cam = F.relu((weights * self.activations).sum(dim=1))
        cam = cam / (cam.amax(dim=(1, 2), keepdim=True) + 1e-8)
        return cam, x.grad

    def remove(self):
        for h in self.handles:
            h.remove()


cam_maker = GradCAM(model, model.features[3])
cam, saliency = cam_maker(X[:4])
print(f"LOSS cam {cam.sum().item():.5f} {cam[0].argmax().item()} {saliency.abs().sum().item():.6f}")
cam_maker.remove()
cam2, _ = GradCAM(model, model.features[0])(X[:4], class_idx=torch.tensor([0, 1, 2, 0]))
print(f"LOSS cam_first_layer {cam2.sum().item():.5f}")

clipped = []


def clip_input_grad(module, grad_input, grad_output):
    clipped.append(grad_input[0].abs().max().item())
    return (grad_input[0].clamp(-1e-3, 1e-3),)


conv0 = model.features[0]
h1 = conv0.register_full_backward_hook(clip_input_grad)
h2 = model.classifier[2].register_full_backward_pre_hook(lambda m, go: (go[0] * 10,))
x = X[:4].clone().requires_grad_(True)
F.cross_entropy(model(x), Y[:4]).backward()
print(f"LOSS clipped {x.grad.abs().sum().item():.6f} {clipped[-1]:.6f} "
      f"{model.classifier[2].weight.grad.abs().sum().item():.6f}")
h1.remove()
h2.remove()
x.grad = None
F.cross_entropy(model(x), Y[:4]).backward()
print(f"LOSS unhooked {x.grad.abs().sum().item():.6f}")
