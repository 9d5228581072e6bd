"""The one exception type the CLI turns into a one-line message and exit status 2."""


class InputError(Exception):
    """Bad input from the user: unknown variant, bad size, unwritable path, untraceable model, GPU out of memory."""
