"""Writing custom datasets, dataloaders and transforms: a landmarks Dataset (images and points
made in the script) with a transform pipeline of callable classes (Rescale, RandomCrop with
np.random, ToTensor swapping axes), transforms.Compose, a DataLoader over dict samples, and a
small regressor trained on it."""
# ruff: noqa: B007, NPY002  (the tutorial's own style, kept as written)
import os

import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset

try:
    from torchvision.transforms import Compose
except ImportError:  # torch without torchvision: the same composition, written out
    class Compose:
        def __init__(self, transforms):
            self.transforms = transforms

        def __call__(self, sample):
            for t in self.transforms:
                sample = t(sample)
            return sample

rng = np.random.default_rng(0)
IMAGES = [rng.random((12 + i % 3, 10 + i % 2, 3)) for i in range(12)]
LANDMARKS = [rng.random((4, 2)) * [img.shape[1], img.shape[0]] for img in IMAGES]


class FaceLandmarksDataset(Dataset):
    def __init__(self, images, landmarks, transform=None):
        self.images = images
        self.landmarks = landmarks
        self.transform = transform

    def __len__(self):
        return len(self.images)

    def __getitem__(self, idx):
        if torch.is_tensor(idx):
            idx = idx.tolist()
        image = self.images[idx]
        landmarks = np.array([self.landmarks[idx]], dtype=float).reshape(-1, 2)
        sample = {"image": image, "landmarks": landmarks}
        if self.transform:
            sample = self.transform(sample)
        return sample


class Rescale:
    """Nearest-neighbour rescale to output_size (an int: the shorter side)."""

    def __init__(self, output_size):
        assert isinstance(output_size, (int, tuple))
        self.output_size = output_size

    def __call__(self, sample):
        image, landmarks = sample["image"], sample["landmarks"]
        h, w = image.shape[:2]
        if isinstance(self.output_size, int):
            if h > w:
                new_h, new_w = self.output_size * h / w, self.output_size
            else:
                new_h, new_w = self.output_size, self.output_size * w / h
        else:
            new_h, new_w = self.output_size
        new_h, new_w = int(new_h), int(new_w)
        rows = (np.arange(new_h) * h / new_h).astype(int)
        cols = (np.arange(new_w) * w / new_w).astype(int)
        img = image[rows][:, cols]
        landmarks = landmarks * [new_w / w, new_h / h]
        return {"image": img, "landmarks": landmarks}


class RandomCrop:
    def __init__(self, output_size):
        assert isinstance(output_size, (int, tuple))
        if isinstance(output_size, int):
            self.output_size = (output_size, output_size)
        else:
            assert len(output_size) == 2
            self.output_size = output_size

    def __call__(self, sample):
        image, landmarks = sample["image"], sample["landmarks"]
        h, w = image.shape[:2]
        new_h, new_w = self.output_size
        top = np.random.randint(0, h - new_h + 1)
        left = np.random.randint(0, w - new_w + 1)
        image = image[top: top + new_h, left: left + new_w]
        landmarks = landmarks - [left, top]
        return {"image": image, "landmarks": landmarks}


class ToTensor:
    def __call__(self, sample):
        image, landmarks = sample["image"], sample["landmarks"]
        image = image.transpose((2, 0, 1))
        return {"image": torch.from_numpy(image), "landmarks": torch.from_numpy(landmarks)}


np.random.seed(0)
transformed_dataset = FaceLandmarksDataset(
    IMAGES, LANDMARKS, transform=Compose([Rescale(10), RandomCrop(8), ToTensor()]))
for i in range(3):
    sample = transformed_dataset[i]
    print(f"LOSS sample{i} {sample['image'].sum().item():.6f} {sample['landmarks'].sum().item():.6f}",
          tuple(sample["image"].size()), tuple(sample["landmarks"].size()),
          sample["image"].dtype == torch.float64)
sample = transformed_dataset[torch.tensor(4)]
print(f"LOSS sample_tensor_index {sample['image'].mean().item():.6f}")

dataloader = DataLoader(transformed_dataset, batch_size=4, shuffle=False, num_workers=0)
batch = next(iter(dataloader))
print("LOSS batch", batch["image"].sum().item(), tuple(batch["image"].shape),
      tuple(batch["landmarks"].shape), batch["landmarks"].dtype == torch.float64)


def init_weights(model):
    path = os.environ.get("INIT_WEIGHTS")
    if not path:
        return
    if os.path.exists(path):
        arrays = np.load(path)
        model.load_state_dict({k: torch.from_numpy(arrays[k]) for k in arrays.files})
    else:
        np.savez(path, **{k: v.detach().cpu().numpy() for k, v in model.state_dict().items()})


model = nn.Sequential(nn.Conv2d(3, 4, 3), nn.ReLU(), nn.Flatten(), nn.Linear(4 * 6 * 6, 8))
init_weights(model)
model.double()
optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
np.random.seed(1)  # the crops of each epoch
for epoch in range(4):
    total = 0.0
    for i_batch, sample_batched in enumerate(dataloader):
        images = sample_batched["image"]
        target = sample_batched["landmarks"].view(images.size(0), -1) / 8.0
        loss = nn.functional.mse_loss(model(images), target)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        total += loss.item()
    print(f"LOSS {epoch} {total:.10f}")
