"""Exceptions by audience.

InputError is what the user got wrong (a bad variant, path, file or model): the CLI prints it as one line and
exits with status 2. Everything else (a broken invariant, an internal fallback) uses its own exception type and is
a bug when it escapes.
"""

from __future__ import annotations

# Exit statuses of the command line (the console script and effnet_inspect.cli.main agree on them).
EXIT_INPUT = 2  # bad input of any kind, one line on stderr
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as a shell reports a command that Ctrl-C stopped
EXIT_PIPE = 141  # 128 + SIGPIPE: stdout's reader went away; the console script then dies of SIGPIPE, as Unix tools do


class InputError(Exception):
    """Bad input from the user, as one line.

    When the message is about one parameter, name it with `param` and start the message with what follows the
    parameter: InputError("is not valid JSON", param="kwargs") reads "kwargs is not valid JSON" from Python, and
    the CLI, which alone knows its flag names, prints "--kwargs is not valid JSON".

    >>> try:
    ...     ei.table("b9")
    ... except ei.InputError as exc:
    ...     print(str(exc)[:24])
    unknown variant 'b9'; va
    """

    def __init__(self, message: str, param: str | None = None):
        super().__init__(message)
        self.message = message
        self.param = param

    def render(self, name_of: dict[str, str] | None = None) -> str:
        """The message with its parameter spelled as name_of says (the CLI passes its flag names), on one line."""
        if self.param is None:
            return printable(self.message)
        name = (name_of or {}).get(self.param, self.param)
        return printable(f"{name} {self.message}")

    def __str__(self) -> str:
        return self.render()


def printable(text: str) -> str:
    """text with every character that is not printable (newlines, control characters, lone surrogates) written
    as its escape, as repr() does: names from other code reach terminals, tables, DOT and HTML as one safe line."""
    if text.isprintable():
        return text
    return "".join(
        c if c.isprintable() else c.encode("unicode_escape", "backslashreplace").decode("ascii") for c in text
    )
