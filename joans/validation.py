"""Swedish data: parse what people type, refuse what is wrong, store one canonical form.

Each ``normalise_*`` function returns the stored form or raises ``ValueError`` with a translated
message; the WTForms validators at the end put them on form fields.
"""

from __future__ import annotations

import re

import idna
import phonenumbers
from flask_babel import lazy_gettext as _l
from stdnum.se import orgnr, personnummer
from wtforms import Field, Form, StringField
from wtforms.validators import ValidationError

DEFAULT_REGION = "SE"

# Skatteverket SKV 709: an organisation number's third and fourth digits are at least 20, where a
# personnummer or samordningsnummer has the birth month (01-12).
ORGANISATION_NUMBER_MIN_GROUP = 20


def normalise_phone(text: str, region: str = DEFAULT_REGION) -> str:
    """A phone number in E.164 (``+46701234567``), accepted only when it can really exist."""
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        raise ValueError(_l("Enter a phone number, for example 070-123 45 67.")) from None
    if not phonenumbers.is_valid_number(number):
        raise ValueError(_l("This is not a valid phone number. Check the digits."))
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def format_phone(e164: str) -> str:
    """A stored number as people write it: national form for Swedish numbers, else international."""
    number = phonenumbers.parse(e164)
    if phonenumbers.region_code_for_number(number) == DEFAULT_REGION:
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def normalise_organisation_number(text: str) -> str:
    """An organisation number as ``NNNNNN-NNNN``; the 12-digit form with ``16`` is accepted.

    Beyond the Luhn check digit, the third and fourth digits of an organisation number are at
    least 20 (Skatteverket SKV 709); ``stdnum`` does not check that, so a personnummer would pass.
    """
    digits = _digits(text)
    if len(digits) == 12 and digits.startswith("16"):
        digits = digits[2:]
    if len(digits) != 10:
        raise ValueError(_l("An organisation number has 10 digits, for example 556036-0793."))
    if not orgnr.is_valid(digits):
        raise ValueError(_l("This organisation number is not valid. Check the digits."))
    if is_personal_number(digits):
        raise ValueError(_l("This is not an organisation number. Check the digits."))
    return f"{digits[:6]}-{digits[6:]}"


def normalise_personnummer(text: str) -> str:
    """A personnummer as ``YYYYMMDD-NNNN`` (the 12-digit form needs no guess at the century)."""
    try:
        compact = personnummer.validate(text)
    except Exception:  # stdnum raises several ValidationError subclasses
        raise ValueError(
            _l("This personal identity number is not valid. Check the digits.")
        ) from None
    century_digits = personnummer.get_birth_date(compact).strftime("%Y%m%d")
    return f"{century_digits}-{compact[-4:]}"


def mask_personnummer(value: str) -> str:
    """Hide the last four digits, which with the birth date identify the person."""
    return value[:-4] + "****"


def is_personal_number(digits: str) -> bool:
    """Whether ten digits are a person's number (a sole trader's), not an organisation's."""
    return int(digits[2:4]) < ORGANISATION_NUMBER_MIN_GROUP


def mask_vat_number(vat_number: str) -> str:
    """A sole trader's VAT number (``SE`` + personnummer + ``01``) with the personnummer masked.

    ``SE811218987601`` becomes ``SE811218****01``; a company's VAT number is shown as it is.
    """
    # Stored numbers are compact; one typed another way elsewhere is masked all the same.
    match = re.fullmatch(r"SE(\d{10})01", re.sub(r"[\s-]", "", vat_number).upper())
    if match is None or not is_personal_number(match.group(1)):
        return vat_number
    return f"SE{mask_personnummer(match.group(1))}01"


def mask_email(address: str) -> str:
    """Enough of an address for its owner to recognise it: ``a•••@e•••.se``."""
    local, _, domain = address.partition("@")
    name, dot, top_level = domain.rpartition(".")
    if not dot:
        name, top_level = domain, ""
    masked_domain = (name[:1] + "•••") + (f".{top_level}" if top_level else "")
    return f"{local[:1]}•••@{masked_domain}"


def normalise_vat_number(text: str) -> str:
    """A Swedish VAT number: ``SE``, the 10-digit organisation or personal number, then ``01``."""
    compact = re.sub(r"[\s-]", "", text).upper()
    match = re.fullmatch(r"SE(\d{10})01", compact)
    if not match or not orgnr.is_valid(match.group(1)):
        raise ValueError(_l("A Swedish VAT number looks like SE556036079301."))
    return compact


def normalise_postal_code(text: str) -> str:
    """A Swedish postal code as ``NNN NN``."""
    digits = re.sub(r"\s", "", text)
    if not re.fullmatch(r"\d{5}", digits) or digits.startswith("0"):
        raise ValueError(_l("A postal code has five digits, for example 111 22."))
    return f"{digits[:3]} {digits[3:]}"


def _digits(text: str) -> str:
    # People type spaces, hyphens and plus signs in these numbers; nothing else is allowed.
    if re.search(r"[^\d\s+-]", text):
        return ""
    return re.sub(r"\D", "", text)


class Normalised:
    """A WTForms validator that replaces the field's data with its canonical form.

    ``Normalised(normalise_phone)`` refuses a bad number with the function's message and stores
    ``+46701234567`` for ``070-123 45 67``. Empty fields are left to ``DataRequired``/``Optional``.
    """

    def __init__(self, normalise) -> None:
        self.normalise = normalise

    def __call__(self, form: Form, field: Field) -> None:
        if not field.data:
            return
        try:
            field.data = self.normalise(field.data)
        except ValueError as error:
            raise ValidationError(str(error.args[0])) from None


class TypedTextField(StringField):
    """A text field that shows, after an error, exactly what the visitor typed."""

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        return super()._value()


# --- Domain names ----------------------------------------------------------------------------

# Internetstiftelsen's rules for .se and .nu: a name of 1-63 characters, letters, digits and
# hyphens, never starting or ending with a hyphen, and never a personal identity number.
PERSONNUMMER_TLDS = {"se", "nu"}
_PERSONNUMMER_LIKE = re.compile(r"(?:\d{2})?(\d{2})(\d{2})(\d{2})-?\d{4}")
MAX_LABEL_LENGTH = 63


def normalise_domain_name(text: str, tlds: set[str] | frozenset[str]) -> str:
    """A second-level domain under one of ``tlds``, IDNA-normalised (UTS 46) to lower-case
    Unicode: ``Räksmörgås.SE`` becomes ``räksmörgås.se``.
    """
    name = text.strip().rstrip(".")
    if not name or any(character.isspace() for character in name):
        raise ValueError(_l("Type a domain name, for example mycompany.se."))
    try:
        name = idna.decode(idna.encode(name, uts46=True))
    except UnicodeError:  # idna.IDNAError and its kin
        name = name.lower()  # checked label by label below, for a clearer message
    labels = name.split(".")
    if len(labels) != 2 or not all(labels):
        raise ValueError(_l("Type only the domain name, for example mycompany.se, without www."))
    label, tld = labels
    if tld not in tlds:
        raise ValueError(_l("We register domain names ending in %(tlds)s.", tlds=_list_tlds(tlds)))
    if label.startswith("-") or label.endswith("-"):
        raise ValueError(_l("A domain name cannot start or end with a hyphen."))
    if label[2:4] == "--":
        # RFC 5891 4.2.3.1: reserved for encodings such as "xn--".
        raise ValueError(
            _l("A domain name cannot have hyphens as its third and fourth characters.")
        )
    # The limit is on the name as the DNS spells it (RFC 1035 2.3.4), "xn--" form included.
    try:
        spelled = label if label.isascii() else "xn--" + label.encode("punycode").decode("ascii")
    except UnicodeError:
        spelled = label
    if len(spelled) > MAX_LABEL_LENGTH:
        raise ValueError(_l("A domain name can be at most 63 characters long."))
    try:
        idna.encode(label, uts46=True)
    except UnicodeError:  # idna.IDNAError and its kin
        raise ValueError(
            _l("A domain name can only contain letters, digits and hyphens.")
        ) from None
    if tld in PERSONNUMMER_TLDS and _looks_like_personnummer(label):
        raise ValueError(
            _l("A domain name that looks like a personal identity number cannot be registered.")
        )
    return f"{label}.{tld}"


def domain_to_ascii(name: str) -> str:
    """A stored domain name as the DNS spells it (``xn--`` labels for non-ASCII names)."""
    return idna.encode(name, uts46=True).decode("ascii")


def _looks_like_personnummer(label: str) -> bool:
    # YYMMDD-NNNN or YYYYMMDD-NNNN with a real month and a real day (or a samordningsnummer's
    # day plus 60), whatever the check digit: close enough to identify someone.
    match = _PERSONNUMMER_LIKE.fullmatch(label)
    if not match:
        return False
    month, day = int(match.group(2)), int(match.group(3))
    return 1 <= month <= 12 and (1 <= day <= 31 or 61 <= day <= 91)


def _list_tlds(tlds) -> str:
    return ", ".join(f".{tld}" for tld in sorted(tlds))
