"""Published reference figures for EfficientNet B0-B7: what the paper reports, NOT what effnet-inspect measures.

Source: Mingxing Tan and Quoc V. Le, "EfficientNet: Rethinking Model Scaling for Convolutional Neural Networks",
ICML 2019, arXiv:1905.11946, Table 2 (ImageNet results). The paper's "FLOPs" count multiply-accumulates of the
convolutions and fully connected layers, i.e. what effnet-inspect calls MACs. Figures are kept exactly as printed
(rounded to two or three significant digits), so differences of a few percent are rounding, not errors.
"""
from __future__ import annotations

from dataclasses import dataclass

SOURCE = "Tan & Le, EfficientNet (ICML 2019, arXiv:1905.11946), Table 2"
SOURCE_URL = "https://arxiv.org/abs/1905.11946"


@dataclass(frozen=True)
class PaperRow:
    variant: str
    params: float  # parameters, as printed (e.g. 5.3M)
    flops: float  # the paper's FLOPs = multiply-accumulates (e.g. 0.39B)
    top1: float  # ImageNet top-1 accuracy, %


PAPER_TABLE2: dict[str, PaperRow] = {
    r.variant: r
    for r in (
        PaperRow("b0", 5.3e6, 0.39e9, 77.1),
        PaperRow("b1", 7.8e6, 0.70e9, 79.1),
        PaperRow("b2", 9.2e6, 1.0e9, 80.1),
        PaperRow("b3", 12e6, 1.8e9, 81.6),
        PaperRow("b4", 19e6, 4.2e9, 82.9),
        PaperRow("b5", 30e6, 9.9e9, 83.6),
        PaperRow("b6", 43e6, 19e9, 84.0),
        PaperRow("b7", 66e6, 37e9, 84.3),
    )
}
