"""Seed-style steps and a pipeline that pass a PyTorch tensor and module between steps,
importable by module path as the orchestrators need (imported only by the heavy tests)."""

from __future__ import annotations

import torch
from torch import nn

from zenml_airflow.integrations.constants import PYTORCH
from zenml_airflow.pipelines import pipeline
from zenml_airflow.steps import Output, step


class TinyNet(nn.Module):
    """A classifier whose constructor arguments are kept as attributes (so it can be rebuilt),
    with a layer whose weight is tied to (the same Parameter as) the head's."""

    def __init__(self, features: int = 4, hidden: int = 8, classes: int = 3) -> None:
        super().__init__()
        self.features, self.hidden, self.classes = features, hidden, classes
        self.encoder = nn.Linear(features, hidden)
        self.head = nn.Linear(hidden, classes)
        self.tied = nn.Linear(hidden, classes)
        self.tied.weight = self.head.weight  # shared: safetensors refuses shared tensors as such
        self.register_buffer("seen", torch.zeros((), dtype=torch.int64))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(torch.relu(self.encoder(x))) + self.tied.bias


def data(seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """Three separable blobs of 4 features."""
    generator = torch.Generator().manual_seed(seed)
    labels = torch.arange(60) % 3
    return torch.randn(60, 4, generator=generator) * 0.3 + 2 * labels[:, None].float(), labels


def trained_net() -> TinyNet:
    torch.manual_seed(0)
    model = TinyNet()
    x, y = data()
    optimizer = torch.optim.Adam(model.parameters(), lr=0.05)
    for _ in range(60):
        optimizer.zero_grad()
        nn.functional.cross_entropy(model(x), y).backward()
        optimizer.step()
    model.seen += len(x)
    return model.eval()


@step
def torch_trainer() -> Output(model=nn.Module, features=torch.Tensor):
    """A trained TinyNet and the test features."""
    return trained_net(), data(seed=1)[0]


@step
def torch_evaluator(model: nn.Module, features: torch.Tensor) -> float:
    """Accuracy of the model on the test features: proves it arrived trained."""
    with torch.no_grad():
        predictions = model(features).argmax(dim=1)
    return float((predictions == data(seed=1)[1]).float().mean())


@pipeline(required_integrations=[PYTORCH])
def torch_pipeline(trainer, evaluator):
    model, features = trainer()
    evaluator(model=model, features=features)


def build() -> torch_pipeline:
    return torch_pipeline(trainer=torch_trainer(), evaluator=torch_evaluator())
