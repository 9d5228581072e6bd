"""What the API's tables share (Table, Memory): the command line's text in every format it prints, that text as
str() and repr(), and save(), which takes the format from the file name and checks its arguments as the API does."""

from __future__ import annotations

import enum
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar

from effnet_inspect.api.checks import checked
from effnet_inspect.api.sources import save_format


class Rendered:
    FORMATS: ClassVar[type[enum.Enum]]  # the formats render() takes: text, md, csv and json at least
    BY_SUFFIX: ClassVar[Mapping[str, Any]]  # file extension -> format, for save()

    def render(self, format: Any = "text") -> str:
        raise NotImplementedError

    def to_text(self) -> str:
        return self.render("text")

    def to_markdown(self) -> str:
        return self.render("md")

    def to_csv(self) -> str:
        return self.render("csv")

    def to_json(self) -> str:
        return self.render("json")

    @checked
    def save(self, path: str | os.PathLike, format: Any = None) -> Path:
        """Write atomically; the format comes from `format`, else the extension (BY_SUFFIX), else text."""
        from effnet_inspect.files import write_atomic

        fmt = save_format(self.FORMATS, path, format, self.BY_SUFFIX, self.FORMATS("text"))
        return write_atomic(path, self.render(fmt))

    def __str__(self) -> str:
        return self.to_text()

    def __repr__(self) -> str:
        return self.to_text()
