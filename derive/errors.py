"""The error hierarchy. Only the command-line front end catches these."""


class DeriveError(Exception):
    """Any error a user can cause and fix: the CLI prints it on one line and exits 2."""


class SpecError(DeriveError):
    """A spec (TOML file, built-in parameters) names something impossible. Carries the key."""

    def __init__(self, key: str, message: str):
        self.key = key
        super().__init__(f"{key}: {message}" if key else message)


class SizeError(DeriveError):
    """The network is too large for a symbolic derivation to be useful."""


class NoteError(DeriveError):
    """A note could not be read at all (as opposed to a formula in it that did not parse)."""

    def __init__(self, path: str, message: str, line: int | None = None, column: int | None = None):
        self.path, self.line, self.column = path, line, column
        where = path if line is None else f"{path}:{line}:{column or 1}"
        super().__init__(f"{where}: {message}")


class ToolMissing(DeriveError):
    """An external program (a TeX engine) is needed and not installed."""
