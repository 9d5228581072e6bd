"""How much memory a card has: a size with its unit ('16GiB', '80GB') or the name of a common card.

A card's memory is what PyTorch reports as its total capacity (torch.cuda.get_device_properties().total_memory,
as printed in its out-of-memory messages; it varies a little with the driver and ECC), not the marketing figure.
Of it, CUDA_CONTEXT is taken by the CUDA context, cuBLAS and cuDNN before any tensor: an estimate the GPU session
(benchmarks/gpu_session.py) measures, applied to every size alike.
"""

from __future__ import annotations

import re

from effnet_inspect.errors import InputError

GIB = 2**30
MIB = 2**20
CUDA_CONTEXT = 512 * MIB

UNITS = {
    "B": 1,
    "KB": 10**3,
    "MB": 10**6,
    "GB": 10**9,
    "TB": 10**12,
    "KIB": 2**10,
    "MIB": 2**20,
    "GIB": 2**30,
    "TIB": 2**40,
}
UNIT_NAMES = "B, KB, MB, GB, TB, KiB, MiB, GiB, TiB"
# Total capacity as PyTorch reports it for each card (GiB).
CARDS = {
    "t4": 14.75,
    "v100-16": 15.77,
    "v100-32": 31.74,
    "a100-40": 39.39,
    "a100-80": 79.15,
    "h100": 79.11,
    "rtx3090": 23.69,
    "rtx4090": 23.64,
}
_SIZE = re.compile(r"([0-9]+(?:\.[0-9]+)?)\s*([A-Za-z]+)", re.ASCII)


def parse_capacity(text: str | int) -> int:
    """Bytes of a card's memory: a whole number of bytes, '16GiB', '80GB', '24 GB' or a card name ('a100-80').

    >>> parse_capacity("16GiB"), parse_capacity("80GB"), parse_capacity("t4")
    (17179869184, 80000000000, 15837691904)
    """
    if isinstance(text, int) and not isinstance(text, bool):
        value = text
    else:
        key = str(text).strip().lower()
        if key in CARDS:
            return round(CARDS[key] * GIB)
        match = _SIZE.fullmatch(str(text).strip())
        if match is None or match.group(2).upper() not in UNITS:
            raise InputError(
                f"{str(text)!r} is no memory size or card: give a number with a unit "
                f"({UNIT_NAMES}) "
                f"or one of {', '.join(CARDS)}",
                param="fit",
            )
        value = round(float(match.group(1)) * UNITS[match.group(2).upper()])
    if value <= CUDA_CONTEXT:
        raise InputError(
            f"{str(text)!r} leaves nothing for tensors: a card needs more than the {CUDA_CONTEXT // MIB} MiB the "
            f"CUDA context takes (e.g. 16GiB, 80GB, a100-80)",
            param="fit",
        )
    return value


def usable(capacity: int) -> int:
    """What tensors can use of a card's memory."""
    return capacity - CUDA_CONTEXT
