"""A deliberately altered EfficientNet-B3 in torchvision's style, for the conformance verdict:
the stem has 48 channels instead of 40, block 6 has 5 sub-blocks instead of 6, and block4b has no
squeeze-and-excitation (replaced by nn.Identity).
"""

from __future__ import annotations

from torch import nn

from tests.ports.torchvision_style import EfficientNet, efficientnet_conf


def make(**kwargs) -> EfficientNet:
    setting = efficientnet_conf(1.2, 1.4)
    setting[0].input_channels = 48  # B3's stem has round_filters(32 * 1.2) = 40
    setting[5].num_layers -= 1  # B3's block 6 has ceil(4 * 1.4) = 6 sub-blocks
    model = EfficientNet(setting, dropout=0.3, **kwargs)
    model.features[4][1].block[2] = nn.Identity()  # block4b: no squeeze-and-excitation
    return model


def relu_b0(**kwargs) -> nn.Module:
    """torchvision-style B0 with every SiLU replaced by ReLU: same shapes and parameters, other activations."""
    from tests.ports.torchvision_style import efficientnet_b0

    model = efficientnet_b0(**kwargs)
    for parent in list(model.modules()):
        for name, child in parent.named_children():
            if isinstance(child, nn.SiLU):
                setattr(parent, name, nn.ReLU())
    return model
