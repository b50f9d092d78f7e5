"""One escaping function per output format, applied to every string that
came from a result file (host, CPU, compiler, flags, benchmark and case
names, warnings, descriptor texts) before it enters that format.
"""

from __future__ import annotations

import html as _html
import re

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~>])")

_TEX = {
    "\\": r"\textbackslash{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
    "<": r"\textless{}",
    ">": r"\textgreater{}",
    "|": r"\textbar{}",
    '"': r"\textquotedbl{}",
}


def markdown(text) -> str:
    """Inert in Markdown and in the HTML a Markdown renderer makes: HTML
    special characters become entities, Markdown's own are backslashed, and
    line breaks become spaces (a table cell or list item stays one line)."""
    text = str(text).replace("\r", " ").replace("\n", " ")
    text = _html.escape(text, quote=False)  # quotes start nothing in Markdown text
    return _MD_SPECIAL.sub(r"\\\1", text)


def markdown_code(text) -> str:
    """A code span that holds any text: fenced with more backticks than the
    text contains, HTML special characters as entities are not needed
    inside code, but line breaks are."""
    text = str(text).replace("\r", " ").replace("\n", " ")
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") or not text else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def latex(text) -> str:
    """Safe in LaTeX text mode: every special character as its text-mode
    command, control characters dropped."""
    text = "".join(ch for ch in str(text) if ch >= " " or ch == "\t")
    return "".join(_TEX.get(ch, ch) for ch in text)


# Typography in prose and tables: "1.7x" is 1.7 times, "+-5%" plus or
# minus, "0.25-0.27" a range (an en dash).
_TEX_TYPOGRAPHY = re.compile(r"(?P<times>(?<=\d)x(?![A-Za-z0-9]))|(?P<pm>\+-)|"
                             r"(?P<range>(?:(?<=[\d%])|(?<=\dx))-(?=\d))")
_TEX_MARKS = {"times": r"$\times$", "pm": r"$\pm$", "range": "--"}


def latex_prose(text) -> str:
    """latex() for sentences and table cells: as safe, with the signs a
    typesetter uses (1.7$\\times$, $\\pm$5\\%, 0.25--0.27)."""
    text = "".join(ch for ch in str(text) if ch >= " " or ch == "\t")
    out, at = [], 0
    for m in _TEX_TYPOGRAPHY.finditer(text):
        out += [latex(text[at:m.start()]), _TEX_MARKS[m.lastgroup]]
        at = m.end()
    out.append(latex(text[at:]))
    return "".join(out)


def html(text) -> str:
    """Safe as HTML text and attribute values."""
    return _html.escape(str(text), quote=True)


# A spreadsheet evaluates a cell that starts with one of these as a formula
# (=HYPERLINK(...), +cmd|...): CSV injection.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value):
    """A value for a CSV cell: text a spreadsheet would evaluate as a formula
    gets a leading apostrophe (OWASP's advice), which spreadsheets show as
    text; numbers and other text are unchanged."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def csv_frame(frame):
    """A copy of a pandas frame whose text cells are csv_cell()ed."""
    frame = frame.copy()
    for column in frame.columns:
        if frame[column].dtype == object:
            frame[column] = frame[column].map(csv_cell)
    return frame


def one_line(text) -> str:
    """A message as one line: control characters from file names (a newline
    in a path) are shown escaped, never as a line break."""
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in str(text))
