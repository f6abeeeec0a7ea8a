"""Duplicate prevention before any create: is this customer already in Sage?

Evidence per Sage contact, strongest first:
- `source_guid`: the contact carries this customer's id in `source_guid` — we created it (a create
  whose response was lost): it is ours, link, before any other rule.
- `reference`: the contact carries the accounts ref on the customer's record (e.g. imported from
  the seed systems' "sage ref" column): link. A ref we chose ourselves is no evidence on a contact
  without our `source_guid`: someone else holds it (the sync then takes the next free one).
- `email`: the same email (case-insensitive) — strong.
- `name_postcode`: the same normalised name and the same postcode — strong.
- `similar_name` (same name, other or no postcode), `same_surname_postcode` (same postcode and
  the same last name word) or `similar_name_postcode` (same postcode and the same first
  distinctive word, e.g. "Acme Heating" and "Acme Heating Services") — weak: a person must look.

Decision: our own contact (`source_guid`) → link. A reference match → link. Exactly one contact
with strong evidence, not already linked to another customer of the tenant → link — unless the
customer's record names its own accounts ref and that contact carries a different one: then the
two disagree about which account this is, and a person decides. Several strong, a strong one
already linked elsewhere, or only weak ones → needs_review with the candidates. Nothing → create.
Never a blind create.

Sage's `search` wants every word to match, so "Acme Heating Ltd" would not find "Acme Heating
Limited": the adapter searches by `search_stem` (the surname, or a company's first distinctive
word) and these rules compare exactly.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .mapping import contact_email, contact_name, contact_postcode

_TITLES = {"mr", "mrs", "ms", "miss", "dr", "prof", "sir", "mx", "rev"}
_COMPANY_NOISE = {"the", "ltd", "limited", "plc", "llp", "co", "company", "inc", "and"}
STRONG = ("email", "name_postcode")
STEM_MIN_LETTERS = 4  # a company's search stem takes leading words until it has this many letters
SURNAME_MIN_LETTERS = 3  # shorter surnames ("Li") search with the first name too


def _words(text: str | None) -> list[str]:
    text = re.sub(r"['’.]", "", (text or "").lower())
    return [w for w in re.split(r"[^a-z0-9]+", text) if w]


def normalise_name(name: str | None) -> str:
    """'The Acme Heating Co. Ltd' → 'acme heating'; 'Smith & Sons' → 'smith sons';
    'Mr J. O'Neil' → 'j oneil'."""
    words = [w for w in _words(name) if w not in _TITLES and w not in _COMPANY_NOISE]
    return " ".join(words)


def _stem_of(normalised: str) -> str:
    """The leading words of a normalised name until they hold STEM_MIN_LETTERS letters."""
    stem: list[str] = []
    for word in normalised.split():
        stem.append(word)
        if len("".join(stem)) >= STEM_MIN_LETTERS:
            break
    return " ".join(stem)


def search_stem(customer: dict) -> str:
    """What to ask Sage's `search` for, so that look-alikes come back too: a person's surname
    ('smith' finds John and Mary Smith), a company's first distinctive word(s) ('acme' finds Acme
    Heating Ltd and Acme Heating Limited). One search that also covers the full name."""
    name = normalise_name(contact_name(customer))
    if customer.get("type") != "company" and customer.get("surname"):
        surname = " ".join(_words(customer["surname"]))
        if len(surname.replace(" ", "")) >= SURNAME_MIN_LETTERS:
            return surname
        return name or surname
    return _stem_of(name) or " ".join(_words(contact_name(customer)))


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


def _guid(value) -> str:
    return re.sub(r"[^0-9a-f]", "", str(value or "").lower())


def is_ours(customer_id: str | None, contact: dict) -> bool:
    """Did we create this contact for this customer? It carries the customer's id in `source_guid`."""
    return bool(customer_id) and _guid(contact.get("source_guid")) == _guid(customer_id)


def evidence(
    customer: dict, accounts_ref: str | None, contact: dict, ref_is_customers: bool = False
) -> list[str]:
    """Why `contact` might be this customer. The accounts ref counts as evidence only when it is
    the customer's own (`ref_is_customers`), or on our own contact: a ref we chose ourselves on
    someone else's contact only says the ref is taken in Sage."""
    reasons = []
    ours = is_ours(customer.get("id"), contact)
    if ours:
        reasons.append("source_guid")
    ref = (contact.get("reference") or "").strip().upper()
    if accounts_ref and ref and ref == accounts_ref.upper() and (ref_is_customers or ours):
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
    elif same_pc and ours_name and theirs_name:
        if ours_name.split()[-1] == theirs_name.split()[-1]:
            reasons.append("same_surname_postcode")
        elif customer.get("type") == "company" and _stem_of(ours_name) == _stem_of(theirs_name):
            reasons.append("similar_name_postcode")
    return reasons


def decide(
    customer: dict,
    accounts_ref: str | None,
    contacts: list[dict],
    linked: dict[str, str] | None = None,
    ref_is_customers: bool = False,
) -> Decision:
    """`contacts`: what Sage returned for the searches (duplicates allowed); `linked`: Sage contact
    id → the tenant's customer id already linked to it (this customer excluded);
    `ref_is_customers`: `accounts_ref` comes from the customer's record (not chosen by us), so a
    contact carrying it is a match, and a match carrying another ref is a disagreement for a
    person, not a link. A ref we chose matches only on a contact carrying our `source_guid`."""
    linked = linked or {}
    seen: dict[str, Candidate] = {}
    for contact in contacts:
        cid = contact.get("id")
        if not cid or cid in seen:
            continue
        reasons = evidence(customer, accounts_ref, contact, ref_is_customers)
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
    ours = [c for c in found if "source_guid" in c.reasons]
    if len(ours) == 1 and ours[0].linked_to is None:
        return Decision("link", ours[0].contact_id, found, "we created this contact for this customer")
    if ours:
        reason = (
            "several contacts in Sage carry this customer's id"
            if len(ours) > 1
            else "the contact we created for this customer is linked to another customer"
        )
        return Decision("review", None, found, reason)
    by_ref = [c for c in found if "reference" in c.reasons]
    if len(by_ref) == 1 and by_ref[0].linked_to is None:
        return Decision(
            "link", by_ref[0].contact_id, found, "the contact carries this customer's accounts ref"
        )
    strong = [c for c in found if c.strong]
    if len(strong) == 1 and strong[0].linked_to is None and len(by_ref) == 0:
        theirs = (strong[0].reference or "").strip().upper()
        if ref_is_customers and accounts_ref and theirs and theirs != accounts_ref.upper():
            return Decision(
                "review",
                None,
                found,
                f"the matching contact in Sage has accounts ref {theirs}, "
                f"the customer's record says {accounts_ref.upper()}",
            )
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
