"""EfficientNet implementations written in other projects' styles, for `effnet-inspect inspect --model`.

They are written from the published rules and each project's conventions (not from our builder) and are never
imported by the package itself: the tests load them the way a user would, through --model MODULE:CALLABLE.
"""

TIMM, MNV3, TV, TV2, WRAPPED, DOUBTFUL = (
    "tests.ports.timm_style",
    "tests.ports.timm_mobilenetv3",
    "tests.ports.torchvision_style",
    "tests.ports.torchvision_extra",
    "tests.ports.wrapped",
    "tests.ports.doubtful",
)

# Every port: the closest variant and whether it matches it exactly; None: refused with one line (exit 2).
PORTS: dict[str, tuple[str, bool] | None] = {
    f"{TIMM}:efficientnet_b0": ("b0", True),
    f"{TIMM}:efficientnet_b0_gn": ("b0", False),
    f"{TIMM}:efficientnet_b0_ln": ("b0", False),
    f"{TIMM}:efficientnet_b0_no_norm": ("b0", False),
    f"{TIMM}:efficientnet_b0_frozen": ("b0", True),
    f"{TIMM}:efficientnet_cc_b0_4e": ("b0", False),
    f"{TIMM}:mixnet_b0": ("b0", False),
    f"{TIMM}:mixnet_s": ("b0", False),
    f"{TIMM}:efficientnet_es": ("b0", False),
    f"{TIMM}:efficientnet_b3_pruned": ("b3", False),
    f"{TIMM}:efficientnetv2_rw_t": ("b4", False),
    f"{TIMM}:gc_efficientnetv2_rw_t": ("b4", False),
    f"{MNV3}:mobilenetv3_large_100": ("b0", False),
    f"{TV}:efficientnet_b0": ("b0", True),
    f"{TV2}:efficientnet_v2_s": ("b4", False),
    f"{TV2}:efficientnet_b0_frozen_bn": ("b0", True),
    "tests.ports.tf_port_style:make": ("b0", True),
    "tests.ports.altered:make": ("b3", False),
    "tests.ports.altered:relu_b0": ("b0", False),
    f"{DOUBTFUL}:spatial_gate_b0": ("b0", False),
    f"{DOUBTFUL}:clamped_b0": ("b0", False),
    f"{WRAPPED}:features_b0": ("b0", False),
    f"{WRAPPED}:scripted_b0": None,
    f"{WRAPPED}:traced_b0": None,
}
