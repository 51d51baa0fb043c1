"""Neural style transfer (the tutorial's recipe on a small random "VGG"): ContentLoss and
StyleLoss modules that keep target.detach() and store self.loss in forward, gram_matrix with
features.view(a * b, c * d) and torch.mm(features, features.t()), a Normalization module with
mean/std as .view(-1, 1, 1), the loss modules inserted into a fresh nn.Sequential after chosen
conv layers (model.add_module), model.requires_grad_(False), the input image optimised with
input_img.requires_grad_(True) by LBFGS([input_img]) with a closure that clamps
input_img.data in place under torch.no_grad(); then a second run with Adam and a total-variation
term."""
# ruff: noqa: UP032  (the tutorial's own style, kept as written)
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim

# LBFGS's steps amplify float32 rounding (the two libraries sum in other orders): in float64
# the printed losses agree to the comparison's 1e-4 after every closure call
torch.set_default_dtype(torch.float64)

rng = np.random.default_rng(2)
IMSIZE = 16
yy, xx = np.mgrid[0:IMSIZE, 0:IMSIZE] / IMSIZE
content_np = np.stack([np.sin(3 * xx), np.cos(2 * yy), xx * yy]).astype(np.float32)[None] * 0.5 + 0.5
style_np = np.stack([(np.sin(12 * xx) > 0), (np.cos(12 * yy) > 0), (np.sin(8 * (xx + yy)) > 0)])
style_np = style_np.astype(np.float32)[None] * 0.8 + 0.1
content_img = torch.from_numpy(content_np)
style_img = torch.from_numpy(style_np)


class ContentLoss(nn.Module):
    def __init__(self, target):
        super().__init__()
        self.target = target.detach()

    def forward(self, input):
        self.loss = F.mse_loss(input, self.target)
        return input


def gram_matrix(input):
    a, b, c, d = input.size()
    features = input.view(a * b, c * d)
    G = torch.mm(features, features.t())
    return G.div(a * b * c * d)


class StyleLoss(nn.Module):
    def __init__(self, target_feature):
        super().__init__()
        self.target = gram_matrix(target_feature).detach()

    def forward(self, input):
        G = gram_matrix(input)
        self.loss = F.mse_loss(G, self.target)
        return input


class Normalization(nn.Module):
    def __init__(self, mean, std):
        super().__init__()
        self.mean = torch.tensor(mean).view(-1, 1, 1)
        self.std = torch.tensor(std).view(-1, 1, 1)

    def forward(self, img):
        return (img - self.mean) / self.std


cnn = nn.Sequential(
    nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(inplace=False),
    nn.Conv2d(8, 8, 3, padding=1), nn.ReLU(inplace=False), nn.MaxPool2d(2),
    nn.Conv2d(8, 16, 3, padding=1), nn.ReLU(inplace=False),
    nn.Conv2d(16, 16, 3, padding=1), nn.ReLU(inplace=False),
)


def init_weights(model):
    path = os.environ.get("INIT_WEIGHTS")
    if not path:
        return
    if os.path.exists(path):
        arrays = np.load(path)
        model.load_state_dict({k: torch.from_numpy(arrays[k]) for k in arrays.files})
    else:
        np.savez(path, **{k: v.detach().numpy() for k, v in model.state_dict().items()})


torch.manual_seed(0)
init_weights(cnn)
cnn = cnn.eval()
content_layers_default = ["conv_4"]
style_layers_default = ["conv_1", "conv_2", "conv_3", "conv_4"]


def get_style_model_and_losses(cnn, mean, std, style_img, content_img,
                               content_layers=content_layers_default,
                               style_layers=style_layers_default):
    normalization = Normalization(mean, std)
    content_losses = []
    style_losses = []
    model = nn.Sequential(normalization)
    i = 0
    for layer in cnn.children():
        if isinstance(layer, nn.Conv2d):
            i += 1
            name = "conv_{}".format(i)
        elif isinstance(layer, nn.ReLU):
            name = "relu_{}".format(i)
            layer = nn.ReLU(inplace=False)
        elif isinstance(layer, nn.MaxPool2d):
            name = "pool_{}".format(i)
        else:
            raise RuntimeError("Unrecognized layer: {}".format(layer.__class__.__name__))
        model.add_module(name, layer)
        if name in content_layers:
            target = model(content_img).detach()
            content_loss = ContentLoss(target)
            model.add_module("content_loss_{}".format(i), content_loss)
            content_losses.append(content_loss)
        if name in style_layers:
            target_feature = model(style_img).detach()
            style_loss = StyleLoss(target_feature)
            model.add_module("style_loss_{}".format(i), style_loss)
            style_losses.append(style_loss)
    for i in range(len(model) - 1, -1, -1):
        if isinstance(model[i], ContentLoss) or isinstance(model[i], StyleLoss):
            break
    model = model[:(i + 1)]
    return model, style_losses, content_losses


def run_style_transfer(cnn, mean, std, content_img, style_img, input_img, num_steps=4,
                       style_weight=1000, content_weight=1):
    model, style_losses, content_losses = get_style_model_and_losses(cnn, mean, std, style_img, content_img)
    input_img.requires_grad_(True)
    model.eval()
    model.requires_grad_(False)
    optimizer = optim.LBFGS([input_img], max_iter=5)
    run = [0]
    while run[0] <= num_steps:
        def closure():
            with torch.no_grad():
                input_img.clamp_(0, 1)
            optimizer.zero_grad()
            model(input_img)
            style_score = 0
            content_score = 0
            for sl in style_losses:
                style_score += sl.loss
            for cl in content_losses:
                content_score += cl.loss
            style_score *= style_weight
            content_score *= content_weight
            loss = style_score + content_score
            loss.backward()
            run[0] += 1
            print(f"LOSS run{run[0]} {style_score.item():.6f} {content_score.item():.6f}")
            return style_score + content_score
        optimizer.step(closure)
    with torch.no_grad():
        input_img.clamp_(0, 1)
    return input_img, model


mean = [0.485, 0.456, 0.406]
std = [0.229, 0.224, 0.225]
input_img = content_img.clone()
output, model = run_style_transfer(cnn, mean, std, content_img, style_img, input_img)
print("LOSS lbfgs_out", f"{output.mean().item():.6f}", f"{output.std().item():.6f}",
      any(p.requires_grad for p in model.parameters()), len(model))

# the same with Adam and a total-variation term, the image kept as a Parameter-like leaf
image = content_img.clone().requires_grad_()
model, style_losses, content_losses = get_style_model_and_losses(cnn, mean, std, style_img, content_img)
model.requires_grad_(False)
adam = optim.Adam([image], lr=0.02)
for step in range(5):
    adam.zero_grad()
    model(image)
    # squared total variation: with abs(), clamped neighbours that tie exactly in one library
    # and not in the other flip a kink, and Adam turns that into a full step
    tv = (image[:, :, 1:, :] - image[:, :, :-1, :]).pow(2).mean() + (image[:, :, :, 1:] - image[:, :, :, :-1]).pow(2).mean()
    loss = 1000 * sum(s.loss for s in style_losses) + sum(c.loss for c in content_losses) + 0.1 * tv
    loss.backward()
    adam.step()
    image.data.clamp_(0, 1)
    print(f"LOSS adam{step} {loss.item():.6f} {tv.item():.6f} {image.grad.abs().sum().item():.6f}")
