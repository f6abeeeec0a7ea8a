"""Duplicate prevention before any create: is this customer already in Sage?

Evidence per Sage contact, strongest first:
- `reference`: the contact carries the accounts ref we gave this customer — it is ours (a create
  whose response was lost, or an earlier link): link.
- `email`: the same email (case-insensitive) — strong.
- `name_postcode`: the same normalised name and the same postcode — strong.
- `similar_name` (same name, other or no postcode) or `same_surname_postcode` (same postcode and
  the same last name word) — weak: a person must look.

Decision: a reference match → link. Exactly one contact with strong evidence, not already linked
to another customer of the tenant → link. Several strong, a strong one already linked elsewhere, or
only weak ones → needs_review with the candidates. Nothing → create. Never a blind create.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .mapping import contact_email, contact_name, contact_postcode

_TITLES = {"mr", "mrs", "ms", "miss", "dr", "prof", "sir", "mx", "rev"}
_COMPANY_NOISE = {"the", "ltd", "limited", "plc", "llp", "co", "company", "inc"}
STRONG = ("email", "name_postcode")


def normalise_name(name: str | None) -> str:
    """'The Acme Heating Co. Ltd' → 'acme heating'; 'Mr J. O'Neil' → 'j oneil'."""
    text = (name or "").lower().replace("&", " and ")
    text = re.sub(r"['’.]", "", text)
    words = [w for w in re.split(r"[^a-z0-9]+", text) if w]
    words = [w for w in words if w not in _TITLES and w not in _COMPANY_NOISE]
    return " ".join(words)


def compact_postcode(postcode: str | None) -> str:
    return re.sub(r"\s+", "", postcode or "").upper()


@dataclass
class Candidate:
    contact_id: str
    name: str | None
    reference: str | None
    email: str | None
    postcode: str | None
    reasons: list[str] = field(default_factory=list)
    linked_to: str | None = None  # another customer of the tenant already linked to it

    @property
    def strong(self) -> bool:
        return any(r in STRONG for r in self.reasons)

    def to_dict(self) -> dict:
        return {
            "sage_contact_id": self.contact_id,
            "name": self.name,
            "reference": self.reference,
            "email": self.email,
            "postcode": self.postcode,
            "reasons": list(self.reasons),
            "linked_to_customer_id": self.linked_to,
        }


@dataclass
class Decision:
    action: str  # "link" | "review" | "create"
    contact_id: str | None = None
    candidates: list[Candidate] = field(default_factory=list)
    reason: str = ""


def evidence(customer: dict, accounts_ref: str | None, contact: dict) -> list[str]:
    reasons = []
    ref = (contact.get("reference") or "").strip().upper()
    if accounts_ref and ref and ref == accounts_ref.upper():
        reasons.append("reference")
    email = (customer.get("email") or "").strip().lower()
    if email and (contact_email(contact) or "").lower() == email:
        reasons.append("email")
    ours_name = normalise_name(contact_name(customer))
    theirs_name = normalise_name(contact.get("name") or contact.get("displayed_as"))
    ours_pc = compact_postcode((customer.get("address") or {}).get("postcode"))
    theirs_pc = compact_postcode(contact_postcode(contact))
    same_pc = bool(ours_pc) and ours_pc == theirs_pc
    if ours_name and ours_name == theirs_name:
        reasons.append("name_postcode" if same_pc else "similar_name")
    elif same_pc and ours_name and theirs_name and ours_name.split()[-1] == theirs_name.split()[-1]:
        reasons.append("same_surname_postcode")
    return reasons


def decide(
    customer: dict,
    accounts_ref: str | None,
    contacts: list[dict],
    linked: dict[str, str] | None = None,
) -> Decision:
    """`contacts`: what Sage returned for the searches (duplicates allowed); `linked`: Sage contact
    id → the tenant's customer id already linked to it (this customer excluded)."""
    linked = linked or {}
    seen: dict[str, Candidate] = {}
    for contact in contacts:
        cid = contact.get("id")
        if not cid or cid in seen:
            continue
        reasons = evidence(customer, accounts_ref, contact)
        if not reasons:
            continue
        seen[cid] = Candidate(
            contact_id=cid,
            name=contact.get("name") or contact.get("displayed_as"),
            reference=contact.get("reference"),
            email=contact_email(contact),
            postcode=contact_postcode(contact),
            reasons=reasons,
            linked_to=linked.get(cid),
        )
    found = list(seen.values())
    by_ref = [c for c in found if "reference" in c.reasons]
    if len(by_ref) == 1 and by_ref[0].linked_to is None:
        return Decision(
            "link", by_ref[0].contact_id, found, "the contact carries this customer's accounts ref"
        )
    strong = [c for c in found if c.strong]
    if len(strong) == 1 and strong[0].linked_to is None and len(by_ref) == 0:
        why = " and ".join(strong[0].reasons)
        return Decision("link", strong[0].contact_id, found, f"one clear match by {why}")
    if not found:
        return Decision("create", None, [], "no contact in Sage looks like this customer")
    if len(strong) > 1 or len(by_ref) > 1:
        reason = "several contacts in Sage match this customer"
    elif strong and strong[0].linked_to:
        reason = "the matching contact in Sage is already linked to another customer"
    else:
        reason = "contacts in Sage look like this customer but do not clearly match"
    return Decision("review", None, found, reason)
