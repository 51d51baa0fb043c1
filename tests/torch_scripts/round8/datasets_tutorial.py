"""The "Datasets & DataLoaders" tutorial on in-memory data, printed whole: a custom Dataset
with __len__/__getitem__ and a transform and target_transform (Lambda one-hot with
scatter_), print(len(dataset)), a sample and its label, DataLoader batches printed as tensors
("Feature batch shape: torch.Size([...])"), a dict-returning dataset collated into a dict of
tensors, TensorDataset rows, random_split lengths and a sequential sampler's order."""
import os

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset, TensorDataset, random_split


def init_weights(model):
    path = os.environ.get("INIT_WEIGHTS")
    if not path:
        return
    if os.path.exists(path):
        arrays = np.load(path)
        model.load_state_dict({k: torch.from_numpy(arrays[k]) for k in arrays.files})
    else:
        np.savez(path, **{k: v.detach().cpu().numpy() for k, v in model.state_dict().items()})


class Pixels(nn.Module):
    def __init__(self):
        super().__init__()
        self.register_buffer("images", torch.rand(10, 4, 4))


class CustomImageDataset(Dataset):
    def __init__(self, images, labels, transform=None, target_transform=None):
        self.images = images
        self.img_labels = labels
        self.transform = transform
        self.target_transform = target_transform

    def __len__(self):
        return len(self.img_labels)

    def __getitem__(self, idx):
        image = self.images[idx]
        label = self.img_labels[idx]
        if self.transform:
            image = self.transform(image)
        if self.target_transform:
            label = self.target_transform(label)
        return image, label


class Records(Dataset):
    def __init__(self, values):
        self.values = values

    def __len__(self):
        return len(self.values)

    def __getitem__(self, i):
        return {"x": self.values[i], "index": i, "name": f"row{i}"}


pixels = Pixels()
init_weights(pixels)
labels = [3, 1, 4, 1, 5, 9, 2, 6, 5, 3]
labels_map = {0: "T-Shirt", 1: "Trouser", 2: "Pullover", 3: "Dress", 4: "Coat",
              5: "Sandal", 6: "Shirt", 7: "Sneaker", 8: "Bag", 9: "Ankle Boot"}

data = CustomImageDataset(pixels.images, labels, transform=lambda img: img.unsqueeze(0))
print(len(data))
img, label = data[2]
print(img.shape, label, labels_map[label])
print(img)

one_hot = CustomImageDataset(
    pixels.images, labels,
    target_transform=lambda y: torch.zeros(10, dtype=torch.float).scatter_(0, torch.tensor(y), value=1))
print(one_hot[5][1])

train_dataloader = DataLoader(data, batch_size=4, shuffle=False)
train_features, train_labels = next(iter(train_dataloader))
print(f"Feature batch shape: {train_features.size()}")
print(f"Labels batch shape: {train_labels.size()}")
print(train_labels, train_labels.dtype)
img = train_features[0].squeeze()
print(img.shape, train_labels[0].item())
for batch in DataLoader(data, batch_size=4, drop_last=False):
    print(len(batch), batch[0].shape, batch[1])

records = Records(pixels.images[:5, 0, :2])
for batch in DataLoader(records, batch_size=2):
    print(batch)

pairs = TensorDataset(torch.arange(6).reshape(3, 2), torch.tensor([0.5, 1.5, 2.5]))
print(pairs[1])
print(len(pairs), pairs.tensors[0].dtype)
for xb, yb in DataLoader(pairs, batch_size=2):
    print(xb, yb)

train_set, val_set = random_split(range(10), [7, 3], generator=torch.Generator().manual_seed(0))
print(len(train_set), len(val_set))
print(list(torch.utils.data.SequentialSampler(range(4))))
print(list(torch.utils.data.BatchSampler(range(7), batch_size=3, drop_last=False)))
