"""fvcore's FLOP count for comparison with ours. Opt-in: fvcore traces a real forward pass on the CPU.

fvcore counts one multiply-add as one flop, like our MACs, but also counts batch norm (2 per element at
inference, scale and shift) and adaptive average pooling (1 per input element); it ignores activations,
multiplies, adds and our global pooling written as mean(). tests/test_core_fvcore.py pins that relation.
fvcore is an optional extra: pip install 'effnet-inspect[fvcore]'.
"""

from __future__ import annotations

import logging
import warnings

import torch

from effnet_inspect.arch.specs import ModelSpec
from effnet_inspect.errors import InputError
from effnet_inspect.model.build import build


def fvcore_flops(spec: ModelSpec, include_top: bool, resolution: int) -> int:
    try:
        from fvcore.nn import FlopCountAnalysis
    except ImportError as exc:
        raise InputError(
            "needs fvcore, an optional extra: pip install 'effnet-inspect[fvcore]'", param="fvcore"
        ) from exc

    model = build(spec, include_top)
    model.fused = False  # the layers as the paper counts them: the CPU's fused pass widens stride-2 depthwise kernels
    with warnings.catch_warnings(), torch.inference_mode():
        warnings.simplefilter("ignore")
        logging.getLogger("fvcore").setLevel(logging.ERROR)
        analysis = FlopCountAnalysis(model, torch.zeros(1, 3, resolution, resolution))
        analysis.unsupported_ops_warnings(False).uncalled_modules_warnings(False)
        return int(analysis.total())
