"""Layer kinds: what a traced node is, in Keras' vocabulary, whatever module or function produced it."""
from __future__ import annotations

import enum


class LayerKind(enum.Enum):
    """The value is the Keras class name shown in summaries."""

    INPUT = "InputLayer"
    RESCALING = "Rescaling"
    NORMALIZATION = "Normalization"
    PAD = "ZeroPadding2D"
    CONV = "Conv2D"
    DEPTHWISE = "DepthwiseConv2D"
    BATCH_NORM = "BatchNormalization"
    ACTIVATION = "Activation"
    GLOBAL_POOL = "GlobalAveragePooling2D"
    RESHAPE = "Reshape"
    MULTIPLY = "Multiply"
    DROPOUT = "Dropout"
    ADD = "Add"
    DENSE = "Dense"
    OTHER = "Other"

    @property
    def keras_name(self) -> str:
        return self.value

    @property
    def is_conv(self) -> bool:
        return self in (LayerKind.CONV, LayerKind.DEPTHWISE)


class ModuleType(enum.Enum):
    """The parts a sub-block is made of (the article's Module 1-5, plus the expansion it leaves unnamed)."""

    EXPANSION = "expansion"
    MODULE1 = "module1"  # DepthwiseConv2D -> BN -> Activation (no downsampling)
    MODULE2 = "module2"  # ZeroPadding2D -> DepthwiseConv2D -> BN -> Activation (stride 2)
    MODULE3 = "module3"  # squeeze-and-excitation branch
    MODULE4 = "module4"  # Multiply -> project Conv2D -> BN (no skip)
    MODULE5 = "module5"  # Multiply -> project Conv2D -> BN -> Dropout -> Add (skip)

    @property
    def label(self) -> str:
        return "Expansion" if self is ModuleType.EXPANSION else f"Module {self.value[-1]}"

    @property
    def short(self) -> str:
        """Column header: Exp, M1 ... M5."""
        return "Exp" if self is ModuleType.EXPANSION else f"M{self.value[-1]}"


MODULE_TYPES = tuple(ModuleType)
