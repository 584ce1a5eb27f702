"""``flask staff``: accounts from the command line, for the first admin and for operators."""

from __future__ import annotations

import click
from email_validator import EmailNotValidError, validate_email
from flask.cli import AppGroup

from joans.i18n import LANGUAGES
from joans.staff import passwords, users

staff_cli = AppGroup("staff", help="Manage back-office accounts.")


def _ask_password() -> str:
    # Asked for twice and never echoed, printed or logged; there are no default passwords.
    while True:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
        try:
            passwords.check_password_policy(password)
        except ValueError as error:
            click.echo(str(error.args[0]), err=True)
            continue
        return password


@staff_cli.command("create")
@click.argument("email")
@click.option("--name", prompt=True, help="The name colleagues see.")
@click.option("--admin", is_flag=True, help="Give the account the admin role.")
@click.option("--language", type=click.Choice(sorted(LANGUAGES)), default="sv", show_default=True)
def create_command(email: str, name: str, admin: bool, language: str) -> None:
    """Create an account with a password typed at the prompt (admins set up TOTP at first login)."""
    try:
        email = validate_email(email, check_deliverability=False).normalized
    except EmailNotValidError:
        raise click.BadParameter("not an e-mail address", param_hint="EMAIL") from None
    if users.find_by_email(email):
        raise click.ClickException("An account with this e-mail address exists already.")
    user = users.create_staff_user(
        email,
        name=name,
        role="admin" if admin else "staff",
        language=language,
        password=_ask_password(),
    )
    click.echo(f"Created {user.role} account {user.id}.")
