"""Run the console script with a real SIGINT sent to itself at a chosen moment (tests/test_harden_signals.py):

    python tests/sigint_at.py MOMENT [effnet-inspect arguments ...]

MOMENT is `import:MODULE` (just before MODULE is first imported: torch, cairosvg, ...), `png` (from inside cairo's
PNG write callback: C code calling Python), or `write:N` (while the N-th file of a staged output folder is being
written). The signal is real (os.kill): the handler runs where Python happens to be, as with Ctrl-C.
"""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def interrupt() -> None:
    os.kill(os.getpid(), signal.SIGINT)
    for _ in range(1000):  # a few bytecodes for the handler to run in, here rather than after returning
        pass


class BeforeImport:
    def __init__(self, module: str):
        self.module, self.done = module, False

    def find_spec(self, name: str, path: object = None, target: object = None) -> None:
        if name == self.module and not self.done:
            self.done = True
            interrupt()


class InPngWrite:
    """Patches cairocffi (when cairosvg, which uses it, is first imported) so that its PNG write callback, called
    by cairo's C code, receives the signal."""

    done = False

    def find_spec(self, name: str, path: object = None, target: object = None) -> None:
        if name != "cairosvg" or self.done:
            return
        self.done = True
        import cairocffi.surfaces as surfaces

        make = surfaces._make_write_func

        class Interrupting:
            def __init__(self, target: object):
                self.target, self.sent = target, False

            def write(self, data: bytes) -> object:
                if not self.sent:
                    self.sent = True
                    interrupt()
                return self.target.write(data)  # type: ignore[attr-defined]

        surfaces._make_write_func = lambda target: make(None if target is None else Interrupting(target))


def at_write(number: int) -> None:
    import effnet_inspect.folders as folders

    write, count = folders.write_new, [0]

    def counting(path: Path, data: bytes) -> None:
        count[0] += 1
        if count[0] == number:
            interrupt()
        write(path, data)

    folders.write_new = counting


def main() -> None:
    moment, *argv = sys.argv[1:]
    if moment.startswith("import:"):
        sys.meta_path.insert(0, BeforeImport(moment.removeprefix("import:")))  # type: ignore[arg-type]
    elif moment == "png":
        sys.meta_path.insert(0, InPngWrite())  # type: ignore[arg-type]
    elif moment.startswith("write:"):
        at_write(int(moment.removeprefix("write:")))
    else:
        raise SystemExit(f"unknown moment {moment!r}")
    sys.argv = ["effnet-inspect", *argv]
    from effnet_inspect.__main__ import main as console_script

    console_script()


if __name__ == "__main__":
    main()
