"""A VAE on synthetic 8x8 "digits": reparameterisation trick, BCE(reduction='sum') + KL,
a separate test loop under torch.no_grad(), and sampling from the prior through the decoder.
The noise of the reparameterisation comes from a seeded NumPy bank, so that torch and glassnet
see the same draws."""
import os

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn, optim
from torch.utils.data import DataLoader, TensorDataset

torch.manual_seed(1)
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
rng = np.random.default_rng(3)


def make_images(n):
    imgs = np.zeros((n, 1, 8, 8), dtype=np.float32)
    for i in range(n):
        r, c = rng.integers(0, 5, 2)
        imgs[i, 0, r:r + 3, c:c + 3] = 1.0
        imgs[i, 0] = np.clip(imgs[i, 0] + 0.1 * rng.random((8, 8)), 0, 1)
    return torch.from_numpy(imgs)


class VAE(nn.Module):
    def __init__(self, latent=4):
        super().__init__()
        self.fc1 = nn.Linear(64, 48)
        self.fc21 = nn.Linear(48, latent)
        self.fc22 = nn.Linear(48, latent)
        self.fc3 = nn.Linear(latent, 48)
        self.fc4 = nn.Linear(48, 64)
        self.eps = None

    def encode(self, x):
        h1 = F.relu(self.fc1(x))
        return self.fc21(h1), self.fc22(h1)

    def reparameterize(self, mu, logvar):
        std = torch.exp(0.5 * logvar)
        eps = self.eps if self.eps is not None else torch.randn_like(std)
        return mu + eps * std

    def decode(self, z):
        h3 = F.relu(self.fc3(z))
        return torch.sigmoid(self.fc4(h3))

    def forward(self, x):
        mu, logvar = self.encode(x.view(-1, 64))
        z = self.reparameterize(mu, logvar)
        return self.decode(z), mu, logvar


def loss_function(recon_x, x, mu, logvar):
    bce = F.binary_cross_entropy(recon_x, x.view(-1, 64), reduction="sum")
    kld = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
    return bce + kld


def init_weights(model):
    path = os.environ.get("INIT_WEIGHTS")
    if not path:
        return
    if os.path.exists(path):
        arrays = np.load(path)
        model.load_state_dict({k: torch.from_numpy(arrays[k]) for k in arrays.files})
    else:
        np.savez(path, **{k: v.detach().cpu().numpy() for k, v in model.state_dict().items()})


train_loader = DataLoader(TensorDataset(make_images(128)), batch_size=32, shuffle=False)
test_loader = DataLoader(TensorDataset(make_images(32)), batch_size=16)
model = VAE().to(device)
init_weights(model)
optimizer = optim.Adam(model.parameters(), lr=1e-2)
eps_bank = torch.from_numpy(rng.standard_normal((6, 4, 32, 4)).astype(np.float32))

step = 0
for epoch in range(6):
    model.train()
    train_loss = 0
    for batch_idx, (data,) in enumerate(train_loader):
        data = data.to(device)
        model.eps = eps_bank[epoch, batch_idx, : data.size(0)]
        optimizer.zero_grad()
        recon_batch, mu, logvar = model(data)
        loss = loss_function(recon_batch, data, mu, logvar)
        loss.backward()
        train_loss += loss.item()
        optimizer.step()
        print(f"LOSS {step} {loss.item() / len(data):.6f}")
        step += 1
    model.eval()
    test_loss = 0
    with torch.no_grad():
        for (data,) in test_loader:
            model.eps = torch.zeros(data.size(0), 4)
            recon_batch, mu, logvar = model(data)
            test_loss += loss_function(recon_batch, data, mu, logvar).item()
    print(f"LOSS test{epoch} {test_loss / len(test_loader.dataset):.6f}")

with torch.no_grad():
    z = torch.from_numpy(rng.standard_normal((16, 4)).astype(np.float32)).to(device)
    sample = model.decode(z).cpu()
    grid = sample.view(16, 1, 8, 8)
    print(f"LOSS sample {grid.mean().item():.6f}")
    model.eps = None
    recon, _, _ = model(make_images(4))
    assert recon.shape == (4, 64)
