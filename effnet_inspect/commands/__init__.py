"""One module per CLI command; each has register(subparsers) and keeps heavy imports inside its run()."""
from . import bench, compare, diagram, inspect, report, summary, table

COMMANDS = (summary, table, diagram, report, compare, bench, inspect)
