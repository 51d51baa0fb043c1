"""A YOLO-v1-style detector on toy images with one or two boxes: a conv backbone to an S x S
grid, predictions split with torch.split / indexing into box (x, y, sqrt(w), sqrt(h)),
objectness and class scores; box IoU written with torch.max / torch.min on corner coordinates
and clamp(0); the responsible box picked with torch.max over IoUs; the loss composed of
lambda_coord * MSE on centres and sqrt sizes (torch.sign(x) * torch.sqrt(torch.abs(x) + 1e-6)),
object / no-object MSE and a class MSE, each with reduction="sum"; then decoding and a
hand-written non-max suppression (argsort descending, IoU against the kept box)."""
import os

import numpy as np
import torch
import torch.nn as nn

rng = np.random.default_rng(16)
S, B, C, IMG = 4, 2, 2, 16


def make_sample():
    img = rng.normal(0, 0.1, size=(1, IMG, IMG)).astype(np.float32)
    label = np.zeros((S, S, C + 5), dtype=np.float32)
    for _ in range(rng.integers(1, 3)):
        cls = rng.integers(0, C)
        w, h = rng.uniform(0.15, 0.45, size=2)
        cx, cy = rng.uniform(0.2, 0.8, size=2)
        x0, x1 = int((cx - w / 2) * IMG), int((cx + w / 2) * IMG)
        y0, y1 = int((cy - h / 2) * IMG), int((cy + h / 2) * IMG)
        img[0, y0:y1, x0:x1] += 1.0 if cls == 0 else -1.0
        i, j = int(cy * S), int(cx * S)
        if label[i, j, C] == 0:
            label[i, j, cls] = 1
            label[i, j, C:C + 5] = [1, cx * S - j, cy * S - i, w, h]
    return img, label


data = [make_sample() for _ in range(24)]
images = torch.from_numpy(np.stack([d[0] for d in data]))
labels = torch.from_numpy(np.stack([d[1] for d in data]))


def intersection_over_union(boxes_preds, boxes_labels):
    box1_x1 = boxes_preds[..., 0:1] - boxes_preds[..., 2:3] / 2
    box1_y1 = boxes_preds[..., 1:2] - boxes_preds[..., 3:4] / 2
    box1_x2 = boxes_preds[..., 0:1] + boxes_preds[..., 2:3] / 2
    box1_y2 = boxes_preds[..., 1:2] + boxes_preds[..., 3:4] / 2
    box2_x1 = boxes_labels[..., 0:1] - boxes_labels[..., 2:3] / 2
    box2_y1 = boxes_labels[..., 1:2] - boxes_labels[..., 3:4] / 2
    box2_x2 = boxes_labels[..., 0:1] + boxes_labels[..., 2:3] / 2
    box2_y2 = boxes_labels[..., 1:2] + boxes_labels[..., 3:4] / 2
    x1 = torch.max(box1_x1, box2_x1)
    y1 = torch.max(box1_y1, box2_y1)
    x2 = torch.min(box1_x2, box2_x2)
    y2 = torch.min(box1_y2, box2_y2)
    intersection = (x2 - x1).clamp(0) * (y2 - y1).clamp(0)
    box1_area = abs((box1_x2 - box1_x1) * (box1_y2 - box1_y1))
    box2_area = abs((box2_x2 - box2_x1) * (box2_y2 - box2_y1))
    return intersection / (box1_area + box2_area - intersection + 1e-6)


class YoloLoss(nn.Module):
    def __init__(self, S=S, B=B, C=C):
        super().__init__()
        self.mse = nn.MSELoss(reduction="sum")
        self.S, self.B, self.C = S, B, C
        self.lambda_noobj = 0.5
        self.lambda_coord = 5

    def forward(self, predictions, target):
        predictions = predictions.reshape(-1, self.S, self.S, self.C + self.B * 5)
        iou_b1 = intersection_over_union(predictions[..., C + 1:C + 5], target[..., C + 1:C + 5])
        iou_b2 = intersection_over_union(predictions[..., C + 6:C + 10], target[..., C + 1:C + 5])
        ious = torch.cat([iou_b1.unsqueeze(0), iou_b2.unsqueeze(0)], dim=0)
        iou_maxes, bestbox = torch.max(ious, dim=0)
        exists_box = target[..., C].unsqueeze(3)
        box_predictions = exists_box * (bestbox * predictions[..., C + 6:C + 10] + (1 - bestbox) * predictions[..., C + 1:C + 5])
        box_targets = exists_box * target[..., C + 1:C + 5]
        box_predictions[..., 2:4] = torch.sign(box_predictions[..., 2:4]) * torch.sqrt(torch.abs(box_predictions[..., 2:4] + 1e-6))
        box_targets[..., 2:4] = torch.sqrt(box_targets[..., 2:4])
        box_loss = self.mse(torch.flatten(box_predictions, end_dim=-2), torch.flatten(box_targets, end_dim=-2))
        pred_box = bestbox * predictions[..., C + 5:C + 6] + (1 - bestbox) * predictions[..., C:C + 1]
        object_loss = self.mse(torch.flatten(exists_box * pred_box), torch.flatten(exists_box * target[..., C:C + 1]))
        no_object_loss = self.mse(torch.flatten((1 - exists_box) * predictions[..., C:C + 1], start_dim=1),
                                  torch.flatten((1 - exists_box) * target[..., C:C + 1], start_dim=1))
        no_object_loss += self.mse(torch.flatten((1 - exists_box) * predictions[..., C + 5:C + 6], start_dim=1),
                                   torch.flatten((1 - exists_box) * target[..., C:C + 1], start_dim=1))
        class_loss = self.mse(torch.flatten(exists_box * predictions[..., :C], end_dim=-2),
                              torch.flatten(exists_box * target[..., :C], end_dim=-2))
        return (self.lambda_coord * box_loss + object_loss + self.lambda_noobj * no_object_loss + class_loss), bestbox


class TinyYolo(nn.Module):
    def __init__(self):
        super().__init__()
        self.darknet = nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.LeakyReLU(0.1), nn.MaxPool2d(2),
                                     nn.Conv2d(8, 16, 3, padding=1), nn.LeakyReLU(0.1), nn.MaxPool2d(2))
        self.fcs = nn.Sequential(nn.Flatten(), nn.Linear(16 * S * S, 64), nn.Dropout(0.0), nn.LeakyReLU(0.1),
                                 nn.Linear(64, S * S * (C + B * 5)))

    def forward(self, x):
        return self.fcs(self.darknet(x))


def nms(boxes, scores, iou_threshold):
    order = torch.argsort(scores, descending=True)
    keep = []
    while order.numel() > 0:
        i = order[0]
        keep.append(i.item())
        if order.numel() == 1:
            break
        ious = intersection_over_union(boxes[order[1:]], boxes[i].unsqueeze(0)).squeeze(1)
        order = order[1:][ious <= iou_threshold]
    return keep


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
model = TinyYolo()
init_weights(model)
loss_fn = YoloLoss()
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, weight_decay=0)
for epoch in range(6):
    mean_loss = []
    for i in range(0, 24, 8):
        out = model(images[i:i + 8])
        loss, bestbox = loss_fn(out, labels[i:i + 8])
        mean_loss.append(loss.item())
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    print(f"LOSS epoch{epoch} {sum(mean_loss) / len(mean_loss):.6f} {int(bestbox.sum().item())}")

with torch.no_grad():
    pred = model(images[:2]).reshape(-1, S, S, C + B * 5)
    cells = torch.arange(S).float()
    boxes, scores = [], []
    for b in range(B):
        off = C + 5 * b
        conf = pred[0, ..., off]
        x = (pred[0, ..., off + 1] + cells.view(1, S)) / S
        y = (pred[0, ..., off + 2] + cells.view(S, 1)) / S
        wh = pred[0, ..., off + 3:off + 5].abs()
        boxes.append(torch.stack([x, y, wh[..., 0], wh[..., 1]], -1).reshape(-1, 4))
        scores.append(conf.reshape(-1))
    boxes, scores = torch.cat(boxes), torch.cat(scores)
    keep = nms(boxes, scores, 0.3)
print("LOSS decode", f"{scores.max().item():.6f}", len(keep) > 0, f"{boxes[keep[0]].sum().item():.6f}")
