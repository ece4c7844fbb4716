"""Exceptions raised by :mod:`trends`.

Every error a user can cause by bad input derives from :class:`TrendsError`. The CLI turns
these into one line on stderr and exit status 2; anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

from os import PathLike


def show(text: object) -> str:
    r"""``text`` safe to print: every non-printable character (terminal escape sequences,
    other control characters, invisible and bidirectional-format characters such as a
    zero-width space or a BOM) is written as its Python escape; the rest is unchanged.

    Used for every file-derived string in a message (file names, column names, values), so
    that a hostile file cannot drive the terminal and an invisible character becomes visible.

    Examples
    --------
    >>> show("region"), show("re\u200bgion"), show("\x1b[31mred")
    ('region', 're\\u200bgion', '\\x1b[31mred')
    """
    s = str(text)
    if s.isprintable():
        return s
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in s)


def escape_markdown(text: object) -> str:
    r"""``text`` for a Markdown table cell: ``|`` escaped, ``&``, ``<``, ``>`` and backticks as
    HTML entities (so no cell can open a tag, a code span or a table column), newlines as
    spaces.

    Examples
    --------
    >>> escape_markdown("<b>a|b</b> & `x`")
    '&lt;b&gt;a\\|b&lt;/b&gt; &amp; &#96;x&#96;'
    """
    s = str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return s.replace("`", "&#96;").replace("|", "\\|").replace("\r", " ").replace("\n", " ")


class TrendsError(Exception):
    """Base class for errors caused by user input or specification."""


class InputError(TrendsError, ValueError):
    """A problem in an input file, located by file, line and field.

    Parameters
    ----------
    message
        What is wrong, in plain words.
    path
        The input file (or directory) concerned.
    line
        1-based physical line number in the file (the header is line 1), if known.
    field
        Column or field name concerned, if any.
    value
        The offending value as seen in the file, if any.
    expected
        What would have been accepted.
    """

    def __init__(
        self,
        message: str,
        *,
        path: str | PathLike[str] | None = None,
        line: int | None = None,
        field: str | None = None,
        value: object = None,
        expected: str | None = None,
    ) -> None:
        self.message = message
        self.path = None if path is None else str(path)
        self.line = line
        self.field = field
        self.value = value
        self.expected = expected
        super().__init__(self.__str__())

    def __str__(self) -> str:
        where = show(self.path) if self.path else "<input>"
        if self.line is not None:
            where += f":{self.line}"
        parts = [where + ":"]
        if self.field is not None:
            parts.append(f"field '{show(self.field)}':")
        parts.append(self.message)
        if self.value is not None:
            parts.append(f"(saw {self.value!r})")
        text = " ".join(parts)
        if self.expected:
            text += f"; expected {self.expected}"
        return text


class SpecificationError(TrendsError, ValueError):
    """An invalid model or analysis specification (unknown column, bad interruption, ...)."""


class LeverageWarning(UserWarning):
    """A sandwich (HC/HAC) covariance on terms identified by high-leverage observations:
    intervals may be too narrow (see :mod:`trends.windows` and :func:`trends.robust.calibrate`).
    """
