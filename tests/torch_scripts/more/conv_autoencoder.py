"""A convolutional autoencoder for anomaly scores: Conv2d stride 2 down, nn.Flatten /
nn.Unflatten around a bottleneck, ConvTranspose2d with output_padding and nn.Upsample up,
BCELoss on sigmoid outputs, PSNR with torch.log10, per-sample errors with mean(dim=(1, 2, 3)),
a threshold from kthvalue, and the classic `x.view(x.size(0), -1)` idiom."""
import os

import numpy as np
import torch
import torch.nn as nn

torch.manual_seed(4)
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")


class AutoEncoder(nn.Module):
    def __init__(self, latent=6):
        super().__init__()
        self.encoder = nn.Sequential(
            nn.Conv2d(1, 8, 3, stride=2, padding=1), nn.ReLU(True),       # 12 -> 6
            nn.Conv2d(8, 16, 3, stride=2, padding=1), nn.ReLU(True),      # 6 -> 3
            nn.Flatten(), nn.Linear(16 * 3 * 3, latent),
        )
        self.decoder = nn.Sequential(
            nn.Linear(latent, 16 * 3 * 3), nn.ReLU(True),
            nn.Unflatten(1, (16, 3, 3)),
            nn.ConvTranspose2d(16, 8, 3, stride=2, padding=1, output_padding=1), nn.ReLU(True),  # 3 -> 6
            nn.Upsample(scale_factor=2, mode="nearest"),                 # 6 -> 12
            nn.Conv2d(8, 1, 3, padding=1), nn.Sigmoid(),
        )

    def forward(self, x):
        return self.decoder(self.encoder(x))


def init_weights(model):
    path = os.environ.get("INIT_WEIGHTS")
    if not path:
        return
    if os.path.exists(path):
        arrays = np.load(path)
        model.load_state_dict({k: torch.from_numpy(arrays[k]) for k in arrays.files})
    else:
        np.savez(path, **{k: v.detach().cpu().numpy() for k, v in model.state_dict().items()})


rng = np.random.default_rng(17)
yy, xx = np.mgrid[0:12, 0:12]


def rings(n, anomalous=False):
    r = rng.uniform(2.5, 4.5, n)
    img = np.exp(-((np.hypot(yy - 5.5, xx - 5.5)[None] - r[:, None, None]) ** 2) / 1.5)
    if anomalous:
        img[:, 2:4, :] = 1.0
    return torch.tensor(img[:, None], dtype=torch.float32)


train = rings(96)
test = torch.cat([rings(12), rings(4, anomalous=True)])
labels = torch.cat([torch.zeros(12), torch.ones(4)])
model = AutoEncoder().to(device)
init_weights(model)
criterion = nn.BCELoss()
optimizer = torch.optim.Adam(model.parameters(), lr=5e-3, weight_decay=1e-5)
for epoch in range(8):
    model.train()
    total = 0.0
    for i in range(0, 96, 24):
        img = train[i:i + 24].to(device)
        output = model(img)
        loss = criterion(output, img)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        total += loss.item() * img.size(0)
    print(f"LOSS {epoch} {total / 96:.6f}")
    model.eval()
    with torch.no_grad():
        recon = model(test)
        mse = ((recon - test) ** 2).mean()
        psnr = 10 * torch.log10(1.0 / mse)
    print(f"LOSS psnr{epoch} {psnr.item():.5f}")

with torch.no_grad():
    errors = ((model(test) - test) ** 2).mean(dim=(1, 2, 3))
    flat = model.encoder(test).view(test.size(0), -1)
    threshold = errors[:12].kthvalue(11).values
    flagged = (errors > threshold).float()
    print(f"LOSS err {errors.mean().item():.6f}")
    print(f"LOSS hits {(flagged * labels).sum().item():.1f}")
    print("latent", tuple(flat.shape), "flagged", flagged.int().tolist())
