"""Published reference figures for EfficientNet B0-B7: what the paper reports, NOT what effnet-inspect measures.

Source: Mingxing Tan and Quoc V. Le, "EfficientNet: Rethinking Model Scaling for Convolutional Neural Networks",
ICML 2019, arXiv:1905.11946, Table 2 (ImageNet results). The paper's "FLOPs" count multiply-accumulates of the
convolutions and fully connected layers, i.e. what effnet-inspect calls MACs. Figures are kept exactly as printed
(two or three significant digits): a printed "4.2B" stands for anything from 4.15 B to 4.25 B (printed_range).
Most measured totals fall inside that range; five do not, and those differences are NOT rounding: the MACs of B1
(0.687 B measured vs 0.70B printed, -1.9 %), B4 (4.39 B vs 4.2B, +4.6 %), B5 (10.27 B vs 9.9B, +3.7 %) and B7
(37.75 B vs 37B, +2.0 %), and B2's parameters (9.11 M vs 9.2M, -1.0 %). torchvision documents the same networks at
the counts measured here (B4: 19,341,616 parameters, 4.39 GFLOPS; B7: 37.75), so the counting agrees with an
independent implementation; the paper does not say how it counted, and we know of no published explanation of
the gap: it is unexplained. The report computes which figures fall outside the printed range (printed_range).
"""

from __future__ import annotations

from dataclasses import dataclass

SOURCE = "Tan & Le, EfficientNet (ICML 2019, arXiv:1905.11946), Table 2"
SOURCE_URL = "https://arxiv.org/abs/1905.11946"


_SCALE = {"M": 1e6, "B": 1e9}


@dataclass(frozen=True)
class PaperRow:
    variant: str
    params_printed: str  # as printed, e.g. "5.3M"
    flops_printed: str  # the paper's FLOPs = multiply-accumulates, e.g. "0.39B"
    top1: float  # ImageNet top-1 accuracy, %

    @property
    def params(self) -> float:
        return printed_value(self.params_printed)

    @property
    def flops(self) -> float:
        return printed_value(self.flops_printed)


def printed_value(text: str) -> float:
    """'4.2B' -> 4.2e9, '12M' -> 12e6."""
    return float(text[:-1]) * _SCALE[text[-1]]


def printed_range(text: str) -> tuple[float, float]:
    """Every value that prints as text at its precision: '4.2B' -> (4.15e9, 4.25e9), '0.70B' -> (0.695e9, 0.705e9)."""
    digits, scale = text[:-1], _SCALE[text[-1]]
    half = 0.5 * 10.0 ** -(len(digits.split(".")[1]) if "." in digits else 0)
    return (float(digits) - half) * scale, (float(digits) + half) * scale


PAPER_TABLE2: dict[str, PaperRow] = {
    r.variant: r
    for r in (
        PaperRow("b0", "5.3M", "0.39B", 77.1),
        PaperRow("b1", "7.8M", "0.70B", 79.1),
        PaperRow("b2", "9.2M", "1.0B", 80.1),
        PaperRow("b3", "12M", "1.8B", 81.6),
        PaperRow("b4", "19M", "4.2B", 82.9),
        PaperRow("b5", "30M", "9.9B", 83.6),
        PaperRow("b6", "43M", "19B", 84.0),
        PaperRow("b7", "66M", "37B", 84.3),
    )
}


# The article that walks through EfficientNet-B0's Keras graph layer by layer quotes these layer counts, for the
# models without their classifier top (include_top=False). Quoted, not measured: the tables count them.
ARTICLE_LAYERS_WITHOUT_TOP: dict[str, int] = {"b0": 237, "b7": 813}
