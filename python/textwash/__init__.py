"""textwash's repair and strip engines from Python.

``fix`` repairs mojibake (``â€œ`` → ``“``), HTML entities, control characters and the rest of
``textwash fix``'s fixes; ``strip`` removes boilerplate lines as ``textwash strip`` does. Both
run the Rust library's engines, release the GIL while they work, and give the same output as
the command-line filters on a file holding the same text.
"""

from ._textwash import Change, Removal, TextwashError, fix, fixes, strip

__all__ = ["Change", "Removal", "TextwashError", "fix", "fixes", "strip"]
