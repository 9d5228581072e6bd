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
    GROUP_NORM = "GroupNormalization"
    LAYER_NORM = "LayerNormalization"
    ACTIVATION = "Activation"
    GLOBAL_POOL = "GlobalAveragePooling2D"
    MAX_POOL = "MaxPooling2D"  # in no EfficientNet: ResNet's stem
    RESHAPE = "Reshape"
    MULTIPLY = "Multiply"
    DROPOUT = "Dropout"
    ADD = "Add"
    DENSE = "Dense"
    MATMUL = "Dot"  # a product of two computed tensors (matmul, @, bmm, einsum): Keras' Dot layer
    CONCATENATE = "Concatenate"
    OTHER = "Other"

    @property
    def keras_name(self) -> str:
        return self.value

    @property
    def is_conv(self) -> bool:
        return self in (LayerKind.CONV, LayerKind.DEPTHWISE)

    @property
    def is_norm(self) -> bool:
        return self in (LayerKind.BATCH_NORM, LayerKind.GROUP_NORM, LayerKind.LAYER_NORM)


class ModuleType(enum.Enum):
    """The parts a sub-block is made of (the article's Module 1-5, plus the expansion it leaves unnamed)."""

    EXPANSION = "expansion"
    MODULE1 = "module1"  # DepthwiseConv2D -> BN -> Activation (no downsampling)
    MODULE2 = "module2"  # ZeroPadding2D -> DepthwiseConv2D -> BN -> Activation (stride 2)
    MODULE3 = "module3"  # squeeze-and-excitation branch
    MODULE4 = "module4"  # Multiply -> project Conv2D -> BN (no skip)
    MODULE5 = "module5"  # Multiply -> project Conv2D -> BN -> Dropout -> Add (skip)
    FUSED = "fused"  # a full kxk Conv2D -> BN -> Activation in place of expansion + depthwise (EfficientNetV2)

    @property
    def label(self) -> str:
        return {ModuleType.EXPANSION: "Expansion", ModuleType.FUSED: "Fused conv"}.get(self, f"Module {self.value[-1]}")

    @property
    def short(self) -> str:
        """Column header: Exp, M1 ... M5, Fu."""
        return {ModuleType.EXPANSION: "Exp", ModuleType.FUSED: "Fu"}.get(self, f"M{self.value[-1]}")


# The article's six, which every B0-B7 sub-block is made of (tables always show them); FUSED appears only where a
# model has it.
MODULE_TYPES = tuple(t for t in ModuleType if t is not ModuleType.FUSED)


class SubBlockType(enum.Enum):
    """What a sub-block is built around."""

    MBCONV = "MBConv"  # (1x1 expansion) -> depthwise conv -> (SE) -> 1x1 projection: every sub-block of B0-B7
    FUSED = "fused MBConv"  # a full kxk conv -> (SE) -> (1x1 projection): EfficientNetV2 / EdgeTPU style
