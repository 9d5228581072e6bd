"""Matrix products written as torch calls (matmul, @, mm, bmm, addmm, baddbmm, einsum): how many multiply-accumulates
each one does, from its operands' shapes.

Every output element of a product is a sum over the contracted dimension, so MACs = output elements x contracted
size, for any batch broadcasting (torch.utils.flop_counter counts 2 x that: bmm_flop = b x m x n x 2k). An einsum
contracts the subscripts its two operands share and its output drops; a subscript in one operand only is summed
away before the product (no multiplies), and one that contracts nothing is an element-wise product (torch's mul).
Forms this does not cover (three or more einsum operands, whose order of contraction torch may choose) give no
geometry: the registry then reports the node as unknown.
"""

from __future__ import annotations

import math
import operator
from typing import Any

import torch

Geometry = dict[str, Any]
PRODUCTS = (torch.matmul, operator.matmul, torch.mm, torch.bmm, torch.addmm, torch.baddbmm, torch.einsum)
PRODUCT_METHODS = ("matmul", "__matmul__", "mm", "bmm")  # as FX and a recorded run name them


def _tensor(value: Any) -> torch.Tensor | None:
    return value if isinstance(value, torch.Tensor) else None


def _contracted_size(first: Any) -> Geometry:
    """The contracted size of first @ second is first's last dimension (its only one for a vector)."""
    tensor = _tensor(first)
    return dict(in_channels=tensor.shape[-1]) if tensor is not None and tensor.dim() else {}


def product_geometry(args: tuple, kwargs: dict) -> Geometry:
    """in_channels = the contracted size, for matmul(a, b), a @ b, mm, bmm, addmm(c, a, b), baddbmm(c, a, b) and
    einsum(equation, a, b); {} for what cannot be read."""
    if args and isinstance(args[0], str):  # einsum(equation, a, b) or einsum(equation, [a, b])
        listed = len(args) == 2 and isinstance(args[1], (list, tuple))
        return _einsum_geometry(args[0], tuple(args[1]) if listed else tuple(args[1:]))
    tensors = [a for a in args if isinstance(a, torch.Tensor)]
    if len(tensors) == 3:  # addmm / baddbmm: the added term comes first
        return _contracted_size(tensors[1])
    return _contracted_size(tensors[0]) if len(tensors) == 2 else {}


def _subscripts(term: str, rank: int) -> list[str] | None:
    """The subscripts of one operand, an ellipsis spelled out as one private symbol per dimension it stands for."""
    if "..." not in term:
        return list(term) if len(term) == rank else None
    before, after = term.split("...")
    covered = rank - len(before) - len(after)
    return [*before, *(f"...{i}" for i in range(covered)), *after] if covered >= 0 else None


def _einsum_geometry(equation: str, operands: tuple) -> Geometry:
    tensors = [_tensor(o) for o in operands]
    equation = equation.replace(" ", "")
    inputs, arrow, output = equation.partition("->")
    terms = inputs.split(",")
    if not 1 <= len(tensors) <= 2 or len(terms) != len(tensors) or any(t is None for t in tensors):
        return {}
    sizes: dict[str, int] = {}
    letters: list[list[str]] = []
    for term, tensor in zip(terms, tensors):
        assert tensor is not None
        found = _subscripts(term, tensor.dim())
        if found is None:
            return {}
        letters.append(found)
        sizes.update({s: n for s, n in zip(found, tensor.shape) if n != 1 or s not in sizes})
    if not arrow:  # implicit output: the subscripts used once, in order
        counts = [s for term in letters for s in term]
        output = "".join(s for s in sorted(set(counts)) if counts.count(s) == 1 and not s.startswith("..."))
    kept = set(output)
    shared = set(letters[0]) & set(letters[-1]) if len(letters) == 2 else set()
    contracted = [s for s in shared if s not in kept and not s.startswith("...")]
    # no contracted subscript: a broadcast product, element-wise work that torch does with mul, not a matmul
    return dict(in_channels=math.prod(sizes[s] for s in contracted) if len(letters) == 2 and contracted else 0)


def product_macs(out_shape: tuple[int, ...], geometry: Geometry) -> int:
    """Output elements x contracted size (a 0-d output, a dot product, is one element)."""
    return math.prod(out_shape) * geometry["in_channels"]
