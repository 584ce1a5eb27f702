"""The consent form: one button's choice and the page to return to."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask_wtf import FlaskForm
from wtforms import HiddenField
from wtforms.validators import AnyOf, InputRequired

ACCEPT, DECLINE = "accept", "decline"


class ConsentForm(FlaskForm):
    """Accept or Decline, posted by the banner and the cookie page."""

    class Meta:
        # Public forms carry no session-bound token: the site sets no session cookie for
        # visitors (DESIGN.md), and joans.security refuses cross-site posts instead.
        csrf = False

    choice = HiddenField(validators=[InputRequired(), AnyOf([ACCEPT, DECLINE])])
    return_to = HiddenField()

    @property
    def accepted(self) -> bool:
        """True when the visitor pressed Accept."""
        return self.choice.data == ACCEPT

    def local_return_path(self) -> str | None:
        """The page to go back to, if it is a path on this site; never another host."""
        path = self.return_to.data or ""
        # "//host" and "/\\host" are other hosts to a browser; control characters split headers.
        if not path.startswith("/") or path.startswith("//") or "\\" in path:
            return None
        if any(ord(character) < 0x20 or ord(character) == 0x7F for character in path):
            return None
        parts = urlsplit(path)
        if parts.scheme or parts.netloc:
            return None
        return path
