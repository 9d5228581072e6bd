"""Factories a careless or hostile user might pass to --model: odd module names, printing, exotic exceptions."""

from __future__ import annotations

import os
import sys
import tempfile
import threading
import time
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


def writes_to_fd1() -> nn.Module:
    """Writes to file descriptor 1 directly, as C code does, and from a thread it leaves running (not a daemon) for
    ten minutes after it returned: neither may reach our stdout, and the command must not wait for the thread."""
    os.write(1, b"fd 1 from the factory\n")
    print("print from the factory")

    def chatter() -> None:
        for _ in range(6000):
            os.write(1, b"fd 1 from a thread\n")
            print("print from a thread")
            time.sleep(0.1)

    threading.Thread(target=chatter, name="chatter", daemon=False).start()
    return tiny()


def changes_directory() -> nn.Module:
    """Moves the process into $HOSTILE_CHDIR (default: the temporary folder) and changes sys.path on its way out,
    and leaves a thread that moves it there again a moment later."""
    folder = os.environ.get("HOSTILE_CHDIR", tempfile.gettempdir())
    os.chdir(folder)
    sys.path.insert(0, folder)

    def move_again() -> None:
        time.sleep(0.5)
        os.chdir(folder)

    threading.Thread(target=move_again, name="move-again", daemon=True).start()
    return tiny()
