"""Who a letter goes to: the party who raised the complaint, a copy to the client, salutations.

The caseworker records the parties at intake (``client``, ``representative``, ``mp``) and who
raised the complaint (``source``). The reply goes to whoever raised it; when a representative
raised it, the client gets a copy (docs/decisions: letters-addressing). A complaint about a
member of staff (R06) is answered to the client alone, marked private and confidential, and
posted by the secure route. A letter with nobody to send it to is refused: never "The Occupier".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from handlers._data import as_list, as_mapping, text

__all__ = ["MissingAddressee", "Party", "Recipients", "recipients"]

# An MP can always be written to at the House of Commons.
_COMMONS = ("House of Commons", "London")
_COMMONS_POSTCODE = "SW1A 0AA"
_TITLES = frozenset({"mr", "mrs", "ms", "miss", "mx", "dr", "prof", "sir", "dame", "lord",
                     "lady", "rev"})
_ROLES = {"receiving_parent": "receiving parent", "paying_parent": "paying parent"}


class MissingAddressee(ValueError):
    """The case lacks the name or address a letter needs (an incident a caseworker can fix)."""


@dataclass(frozen=True)
class Party:
    """A person a letter may be addressed to."""

    FIELDS: ClassVar[tuple[str, ...]] = (
        "kind", "title", "name", "full_name", "salutation", "organisation", "constituency",
        "address", "postcode", "reference", "contact_preference", "large_print", "role",
        "role_label", "recorded",
    )

    kind: str  # client | representative | mp
    title: str = ""
    name: str = ""
    organisation: str = ""
    constituency: str = ""
    lines: tuple[str, ...] = ()
    postcode: str = ""
    reference: str = ""
    contact_preference: str = "post"
    role: str = ""

    @classmethod
    def from_data(cls, kind: str, value: object) -> Party:
        raw = as_mapping(value)
        name = text(raw, "name")
        title = text(raw, "title")
        first = name.split(" ", 1)
        if not title and len(first) == 2 and first[0].rstrip(".").lower() in _TITLES:
            title, name = first  # "Ms Alex Smith" recorded in one field
        return cls(
            kind=kind, title=title, name=name, organisation=text(raw, "organisation"),
            constituency=text(raw, "constituency"),
            lines=tuple(str(x).strip() for x in as_list(raw.get("address")) if str(x).strip()),
            postcode=text(raw, "postcode").upper(), reference=text(raw, "reference"),
            contact_preference=text(raw, "contact_preference", "post"), role=text(raw, "role"),
        )

    @property
    def recorded(self) -> bool:
        return bool(self.name)

    @property
    def full_name(self) -> str:
        """As the first line of the address: "Ms Alex Example", "Jane Example MP"."""
        if self.kind == "mp":
            return f"{self.name} MP"
        return " ".join(p for p in (self.title, self.name) if p)

    @property
    def salutation(self) -> str:
        """ "Dear Ms Example" with a title, else "Dear Alex Example" (MPs too)."""
        if self.title:
            return f"Dear {self.title} {self.name.split()[-1]}"
        return f"Dear {self.name}"

    @property
    def address(self) -> tuple[str, ...]:
        """The window-envelope block: name, organisation, lines, postcode."""
        lines = self.lines
        postcode = self.postcode
        if self.kind == "mp" and not lines:
            lines, postcode = _COMMONS, postcode or _COMMONS_POSTCODE
        head = (self.full_name, self.organisation) if self.organisation else (self.full_name,)
        return (*head, *lines, *((postcode,) if postcode else ()))

    @property
    def large_print(self) -> bool:
        return self.contact_preference == "large_print"

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind, "title": self.title, "name": self.name,
            "full_name": self.full_name if self.name else "",
            "salutation": self.salutation if self.name else "",
            "organisation": self.organisation, "constituency": self.constituency,
            "address": list(self.address) if self.name else [], "postcode": self.postcode,
            "reference": self.reference, "contact_preference": self.contact_preference,
            "large_print": self.large_print, "role": self.role,
            "role_label": _ROLES.get(self.role, ""), "recorded": self.recorded,
        }


@dataclass(frozen=True)
class Recipients:
    """The reader of a letter, who gets copies, and how it is posted."""

    client: Party
    representative: Party
    mp: Party
    addressee: Party
    copies: tuple[Party, ...] = field(default=())
    confidential: bool = False  # R06: private and confidential, secure post


def _require(party: Party, label: str) -> Party:
    if not party.name or (not party.lines and party.kind != "mp"):
        raise MissingAddressee(
            f"the case has no {label} name and address: record them on the case page"
        )
    return party


def recipients(data: Mapping[str, Any]) -> Recipients:
    """Who this case's letters go to.

    Raises:
        MissingAddressee: the party the letter goes to has no name or address.
    """
    client = Party.from_data("client", data.get("client"))
    rep = Party.from_data("representative", data.get("representative"))
    mp = Party.from_data("mp", data.get("mp"))
    source = text(data, "source", "client")
    if data.get("staff_complaint") is True:
        # R06: confidential; only the client is written to.
        return Recipients(client, rep, mp, _require(client, "client"), (), confidential=True)
    if source == "representative":
        return Recipients(client, rep, mp, _require(rep, "representative"),
                          (_require(client, "client"),))
    if source == "mp":
        return Recipients(client, rep, mp, _require(mp, "MP"))
    return Recipients(client, rep, mp, _require(client, "client"))
