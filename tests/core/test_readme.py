"""The README's configuration table keeps up with the settings in code."""

from pathlib import Path

from joans.config import Defaults

README = Path(__file__).resolve().parents[2] / "README.md"

# Settings that belong to libraries and are deliberately not part of the operator's interface.
LIBRARY_INTERNALS = {
    "BABEL_DEFAULT_LOCALE",
    "BABEL_DEFAULT_TIMEZONE",
    "SQLALCHEMY_ENGINE_OPTIONS",
    "RATELIMIT_HEADERS_ENABLED",
    "SESSION_COOKIE_HTTPONLY",
    "SESSION_COOKIE_SAMESITE",
    "SESSION_REFRESH_EACH_REQUEST",
    "SEND_FILE_MAX_AGE_DEFAULT",
}


def test_every_setting_is_documented_in_the_readme():
    """An operator reads the README, not the code, to learn what can be configured."""
    readme = README.read_text()
    settings = {name for name in vars(Defaults) if name.isupper()} - LIBRARY_INTERNALS
    missing = sorted(name for name in settings if f"`JOANS_{name}`" not in readme)
    assert missing == []
