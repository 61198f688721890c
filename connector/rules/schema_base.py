"""What every section of the rules file's schema shares: the model base and property references."""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict

#: A property reference: "jobtitle", "contact.jobtitle" or "company.industry". HubSpot internal
#: names are lower-case letters, digits and underscores.
PROPERTY_REF = re.compile(r"^(contact\.|company\.)?[a-z0-9_]+$")


class SpecModel(BaseModel):
    """Every section of the rules file: frozen, and an unknown key is an error (a typo)."""

    model_config = ConfigDict(frozen=True, extra="forbid")


def check_property(ref: str) -> str:
    if not PROPERTY_REF.match(ref):
        raise ValueError(
            f"'{ref}' is not a property reference — use a HubSpot internal name such as "
            "'jobtitle', 'contact.country' or 'company.numberofemployees'"
        )
    return ref


PropertyRefs = str | list[str]


def check_refs(value: PropertyRefs) -> PropertyRefs:
    refs = [value] if isinstance(value, str) else value
    if not refs:
        raise ValueError("no property given — name at least one property")
    for ref in refs:
        check_property(ref)
    return value
