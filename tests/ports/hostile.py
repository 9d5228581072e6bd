"""Factories a careless or hostile user might pass to --model: odd module names, printing, exotic exceptions."""

from __future__ import annotations

from collections import OrderedDict

from torch import nn

from tests.ports.torchvision_style import efficientnet_b0

CALLS: list[str] = []  # every call of a factory here, for the "called once" tests


def odd_names(names: list[str] = ("c\x01lassifier",)) -> nn.Module:
    """torchvision's B0 with its last feature stages renamed: nn.Sequential runs its children whatever their names."""
    CALLS.append("odd_names")
    model = efficientnet_b0()
    children = list(model.features._modules.items())
    for i, name in enumerate(names, start=len(children) - len(names)):
        children[i] = (name, children[i][1])
    model.features._modules = OrderedDict(children)
    return model


def printing() -> nn.Module:
    print("loading EfficientNet ...")
    return tiny()


class Fatal(BaseException):
    """Not an Exception: what a careless library might raise."""


def raises_base_exception() -> nn.Module:
    CALLS.append("raises_base_exception")
    raise Fatal("giving up")


def raises_generator_exit() -> nn.Module:
    raise GeneratorExit


def fails() -> nn.Module:
    CALLS.append("fails")
    raise RuntimeError("checkpoint not found")


def tiny() -> nn.Module:
    """A small torchvision-style EfficientNet (width and depth 0.25): quick to trace, for tests of everything else."""
    from tests.ports.torchvision_style import _efficientnet

    return _efficientnet(0.25, 0.25, 0.2)
