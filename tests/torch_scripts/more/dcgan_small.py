"""A small DCGAN on synthetic 16x16 blobs: ConvTranspose2d generator with BatchNorm2d, a
LeakyReLU discriminator, BCEWithLogitsLoss, two Adam optimizers with betas=(0.5, 0.999),
fake.detach() for the discriminator step, weights_init through model.apply and nn.init."""
import os

import numpy as np
import torch
import torch.nn as nn
import torch.optim as optim

torch.manual_seed(999)
device = torch.device("cuda:0" if torch.cuda.is_available() else "cpu")
nz, ngf, ndf = 8, 8, 8
rng = np.random.default_rng(7)


class Generator(nn.Module):
    def __init__(self):
        super().__init__()
        self.main = nn.Sequential(
            nn.ConvTranspose2d(nz, ngf * 2, 4, 1, 0, bias=False),
            nn.BatchNorm2d(ngf * 2),
            nn.ReLU(True),
            nn.ConvTranspose2d(ngf * 2, ngf, 4, 2, 1, bias=False),
            nn.BatchNorm2d(ngf),
            nn.ReLU(True),
            nn.ConvTranspose2d(ngf, 1, 4, 2, 1, bias=False),
            nn.Tanh(),
        )

    def forward(self, input):
        return self.main(input)


class Discriminator(nn.Module):
    def __init__(self):
        super().__init__()
        self.main = nn.Sequential(
            nn.Conv2d(1, ndf, 4, 2, 1, bias=False),
            nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(ndf, ndf * 2, 4, 2, 1, bias=False),
            nn.BatchNorm2d(ndf * 2),
            nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(ndf * 2, 1, 4, 1, 0, bias=False),
        )

    def forward(self, input):
        return self.main(input).view(-1)


def weights_init(m):
    classname = m.__class__.__name__
    if classname.find("Conv") != -1:
        nn.init.normal_(m.weight.data, 0.0, 0.02)
    elif classname.find("BatchNorm") != -1:
        nn.init.normal_(m.weight.data, 1.0, 0.02)
        nn.init.constant_(m.bias.data, 0)


def init_weights(models):
    path = os.environ.get("INIT_WEIGHTS")
    if not path:
        return
    if os.path.exists(path):
        arrays = np.load(path)
        for name, model in models.items():
            sd = {k[len(name) + 1:]: torch.from_numpy(arrays[k]) for k in arrays.files if k.startswith(name + ".")}
            model.load_state_dict(sd)
    else:
        np.savez(path, **{f"{name}.{k}": v.detach().cpu().numpy()
                          for name, model in models.items() for k, v in model.state_dict().items()})


yy, xx = np.mgrid[0:16, 0:16]
centres = rng.uniform(4, 12, (64, 2))
real_images = np.exp(-((yy - centres[:, :1, None]) ** 2 + (xx - centres[:, 1:, None]) ** 2) / 8.0)
real_images = torch.tensor(real_images * 2 - 1, dtype=torch.float32).unsqueeze(1)

netG = Generator().to(device)
netG.apply(weights_init)
netD = Discriminator().to(device)
netD.apply(weights_init)
init_weights({"G": netG, "D": netD})

criterion = nn.BCEWithLogitsLoss()
fixed_noise = torch.from_numpy(rng.standard_normal((4, nz, 1, 1)).astype(np.float32)).to(device)
real_label, fake_label = 1.0, 0.0
optimizerD = optim.Adam(netD.parameters(), lr=2e-4, betas=(0.5, 0.999))
optimizerG = optim.Adam(netG.parameters(), lr=2e-4, betas=(0.5, 0.999))
noise_bank = torch.from_numpy(rng.standard_normal((12, 16, nz, 1, 1)).astype(np.float32))

for i in range(12):
    real_cpu = real_images[(i * 16) % 64:(i * 16) % 64 + 16].to(device)
    b_size = real_cpu.size(0)
    # (1) Update D: maximize log(D(x)) + log(1 - D(G(z)))
    netD.zero_grad()
    label = torch.full((b_size,), real_label, dtype=torch.float, device=device)
    output = netD(real_cpu)
    errD_real = criterion(output, label)
    errD_real.backward()
    D_x = torch.sigmoid(output).mean().item()
    noise = noise_bank[i].to(device)
    fake = netG(noise)
    label.fill_(fake_label)
    output = netD(fake.detach())
    errD_fake = criterion(output, label)
    errD_fake.backward()
    errD = errD_real + errD_fake
    optimizerD.step()
    # (2) Update G: maximize log(D(G(z)))
    netG.zero_grad()
    label.fill_(real_label)
    output = netD(fake)
    errG = criterion(output, label)
    errG.backward()
    D_G_z2 = torch.sigmoid(output).mean().item()
    optimizerG.step()
    print(f"LOSS D{i} {errD.item():.6f}")
    print(f"LOSS G{i} {errG.item():.6f}")
    print(f"LOSS Dx{i} {D_x:.6f}")

netG.eval()
with torch.no_grad():
    fake = netG(fixed_noise).detach().cpu()
print(f"LOSS fixed {fake.abs().mean().item():.6f}")
assert fake.shape == (4, 1, 16, 16)
