"""Errors caught and printed as notebooks do, where glassnet raises what torch raises: the
exception type of an out-of-range index, a second backward() without retain_graph, backward()
of a tensor without a graph or of a non-scalar, an in-place change of a leaf that requires
grad, a missing module attribute (its message too), a strict load_state_dict with a missing
key (its "Missing key(s)" line searched, as fine-tuning code does), load_state_dict with
strict=False printing _IncompatibleKeys, a KeyError from a state dict, and the training loop
that carries on after each."""
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
        self.body = nn.Linear(3, 4)
        self.head = nn.Linear(4, 2)

    def forward(self, x):
        return self.head(torch.relu(self.body(x)))


model = Net()
init_weights(model)
x = model.body.weight.detach().clone()


def attempt(name, fn):
    try:
        fn()
        print(name, "ok")
    except IndexError:
        print(name, "IndexError")
    except RuntimeError as e:
        print(name, "RuntimeError", type(e).__name__ in ("RuntimeError", "StateDictKeyError"))
    except AttributeError as e:
        print(name, "AttributeError:", e)
    except KeyError as e:
        print(name, "KeyError:", e)


attempt("index", lambda: x[10])
attempt("index_col", lambda: x[:, 7])


def backward_twice():
    loss = model(x).pow(2).sum()
    loss.backward()
    loss.backward()


attempt("backward_twice", backward_twice)
attempt("no_graph", lambda: torch.ones(2).sum().backward())
attempt("non_scalar", lambda: model(x).backward())
attempt("leaf_inplace", lambda: torch.ones(2, requires_grad=True).add_(1))
attempt("attribute", lambda: model.tail)
attempt("state_key", lambda: model.state_dict()["tail.weight"])
attempt("retain_ok", lambda: model(x).sum().backward(retain_graph=True))

try:  # a fresh model: torch copies the keys it has before raising, glassnet copies none
    Net().load_state_dict({"body.weight": torch.zeros(4, 3)})
except RuntimeError as e:
    print("Missing key(s)" in str(e), "head.bias" in str(e))

partial = {k: v for k, v in model.state_dict().items() if k.startswith("body")}
result = model.load_state_dict(partial, strict=False)
print(result)
print(result.missing_keys, result.unexpected_keys)
print(model.load_state_dict({**model.state_dict(), "extra.bias": torch.zeros(1)}, strict=False))
print(model.load_state_dict(model.state_dict()))

model.zero_grad()
opt = torch.optim.SGD(model.parameters(), lr=0.1)
for step in range(3):
    opt.zero_grad()
    loss = model(x).pow(2).mean()
    loss.backward()
    opt.step()
    print(step, f"{loss.item():.6f}")
with torch.no_grad():
    print(model(x))
print(model.head.weight.grad is not None, model.body.bias.requires_grad)
for p in model.body.parameters():
    p.requires_grad_(False)
print([n for n, p in model.named_parameters() if p.requires_grad])
print(sum(p.numel() for p in model.parameters() if p.requires_grad))
