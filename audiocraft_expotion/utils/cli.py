"""Command-line conventions shared by every CLI of the package: a user mistake is one ``error: ...`` line, exit 2."""
import argparse
import sys
import typing as tp

USAGE_ERROR = 2


class ArgumentParser(argparse.ArgumentParser):
    """An ``argparse`` parser whose usage mistakes print one ``error: ...`` line and exit with code 2."""

    def error(self, message: str) -> tp.NoReturn:
        print(f"error: {message} (see --help)", file=sys.stderr)
        sys.exit(USAGE_ERROR)


def positive_int(text: str) -> int:
    """``type=`` of an option that takes an integer >= 1 (a count of threads, clips, ...)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer >= 1, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected an integer >= 1, got {value}")
    return value
