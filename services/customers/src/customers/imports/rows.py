"""What one batch of customer rows does: validate, find duplicates and matches, create or update
(work-address rows: `sites.py`, set-based).

Each batch costs a fixed number of queries whatever its size (the existing customers its rows
could collide with, loaded at once), and its writes and events commit with the
import's progress in one transaction. A dry run takes every decision the same way and writes no
customer or contact.

Rows use the same rules as the API: its request schemas (`domain.inputs`), `records.set_address`,
`records.derive`, the required fields of the customer's type and the tenant's custom fields.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from marshmallow import ValidationError
from sqlalchemy import func, insert, or_, select

from fieldbook_shared.aggregate import payload
from fieldbook_shared.db import new_id, utcnow
from fieldbook_shared.problems import ValidationFailed, flatten_errors

from ..domain import imports as keys
from ..domain import rules
from ..domain.inputs import CustomerInSchema
from ..service import contacts, records
from ..store.models import Contact, Customer
from ..uow import CustomersUnitOfWork

CONTACT_ATTRS = ("title", "first_name", "surname", "position", "email")


@dataclass
class Outcome:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    refused: int = 0
    duplicates: int = 0
    issues: list[dict] = field(default_factory=list)


class _Rows:
    """Shared by both kinds: parsing a row into fields, the report, the keys seen in the file."""

    field_names: tuple[str, ...] = ()

    def __init__(self, columns: list[str], mapping: dict[str, str], dry_run: bool):
        self.columns = columns
        self.mapping = mapping
        self.dry_run = dry_run
        self.column_of = {f: c for c, f in mapping.items()}
        self.seen: dict[bytes, int] = {}  # key → the file's first row with it (8-byte keys)

    def _issue(self, out: Outcome, number: int, kind: str, field_name: str | None, reason: str) -> None:
        out.issues.append(
            {
                "row_number": number,
                "kind": kind,
                "field": field_name,
                "csv_column": self.column_of.get(field_name) if field_name else None,
                "reason": reason[:500],
            }
        )

    def _width_problem(self, row: list[str]) -> str | None:
        extra = row[len(self.columns) :]
        if any(v.strip() for v in extra):
            return f"The row has {len(row)} values but the header names {len(self.columns)} columns."
        return None

    def _schema_issues(self, out: Outcome, number: int, exc: ValidationError) -> None:
        for name, messages in flatten_errors(exc.messages).items():
            self._issue(out, number, "error", keys.import_field(name), "; ".join(messages))

    def _refuse(self, out: Outcome, number: int, errors: dict[str, list[str]]) -> None:
        for name, messages in errors.items():
            self._issue(out, number, "error", keys.import_field(name), "; ".join(messages))
        out.refused += 1

    def _first_seen(self, row_keys: list[tuple[bytes | None, str]]) -> tuple[int, str] | None:
        for key, what in row_keys:
            if key is not None and key in self.seen:
                return self.seen[key], what
        return None

    def keys_known(self) -> int:
        """How many keys of the file are known so far: a mark to `forget_keys_since`."""
        return len(self.seen)

    def forget_keys_since(self, mark: int) -> None:
        """Forget the keys learnt after `mark` (a batch rolled back). A key is only ever added,
        never replaced, and a dict pops its last added item first, so this undoes exactly them."""
        while len(self.seen) > mark:
            self.seen.popitem()

    def _remember(self, number: int, row_keys) -> None:
        for key, _what in row_keys:
            if key is not None:
                self.seen.setdefault(key, number)


# --- customers -------------------------------------------------------------------------------


@dataclass
class _CustomerRow:
    number: int
    data: dict
    accounts_ref: str | None
    type_given: bool
    keys: list  # [(key, what it is)]
    match: bytes | None


class CustomerRows(_Rows):
    def __init__(self, columns, mapping, dry_run, match_key: str | None):
        super().__init__(columns, mapping, dry_run)
        self.match_key = match_key
        self.default_type = keys.default_type(mapping)
        self.schema = CustomerInSchema()
        self._required: dict[str, list[str] | dict] = {}
        self._definitions: list | None = None

    # parsing ---------------------------------------------------------------------------------

    def _parse(self, out: Outcome, number: int, row: list[str]) -> _CustomerRow | None:
        values = keys.row_values(self.columns, self.mapping, row)
        problem = self._width_problem(row)
        refused = False
        if problem:
            self._issue(out, number, "error", None, problem)
            refused = True
        try:
            data = self.schema.load(keys.customer_body(values, self.default_type))
        except ValidationError as exc:
            self._schema_issues(out, number, exc)
            data, refused = None, True
        ref = values.get("accounts_ref")
        if ref and keys.accounts_ref_problem(ref):
            self._issue(out, number, "error", "accounts_ref", keys.accounts_ref_problem(ref))
            refused = True
        if refused:
            out.refused += 1
            return None
        ref = ref.upper() if ref else None
        return self._row(number, data, ref, "type" in values)

    def _row(self, number: int, data: dict, ref: str | None, type_given: bool) -> _CustomerRow:
        postcode = rules.normalise_postcode((data.get("address") or {}).get("postcode"))
        k_email = keys.email_key(data.get("email"))
        k_np = keys.name_postcode_key(data, postcode)
        k_ref = keys.accounts_ref_key(ref)
        match = {"email": k_email, "name_postcode": k_np, "accounts_ref": k_ref}.get(self.match_key or "")
        row_keys = [(k_email, "email"), (k_np, "name and postcode"), (k_ref, "accounts ref")]
        return _CustomerRow(number, data, ref, type_given, row_keys, match)

    def remember(self, number: int, row: list[str]) -> None:
        """Resuming after a crash: the rows before the resume point count as seen in the file."""
        values = keys.row_values(self.columns, self.mapping, row)
        try:
            data = self.schema.load(keys.customer_body(values, self.default_type))
        except ValidationError:
            return
        ref = values.get("accounts_ref")
        self._remember(number, self._row(number, data, ref.upper() if ref else None, False).keys)

    # rules -----------------------------------------------------------------------------------

    def _type_rules(self, uow: CustomersUnitOfWork, type_name: str) -> list[str] | dict:
        """The required fields of a type, or the errors of an unknown one (looked up once per import)."""
        if type_name not in self._required:
            try:
                self._required[type_name] = records.required_fields_for(uow, type_name)
            except ValidationFailed as exc:
                self._required[type_name] = exc.extra["errors"]
        return self._required[type_name]

    def _rule_errors(self, uow, type_name: str, values: dict, new: bool) -> dict[str, list[str]]:
        """`records.validate_customer`'s checks, with the tenant's definitions read once per import.

        An import sets no custom fields: a new customer still needs the required ones, an existing
        customer's stored values are not checked again (as for an edit through the API)."""
        required = self._type_rules(uow, type_name)
        if isinstance(required, dict):
            return required
        if self._definitions is None:
            with uow.session.no_autoflush:
                self._definitions = uow.settings.custom_fields()
        errors = rules.missing_required(required, values)
        errors.update(rules.custom_field_errors(self._definitions, {}, new_customer=new))
        return errors

    # the batch -------------------------------------------------------------------------------

    def _existing(self, uow: CustomersUnitOfWork, parsed: list[_CustomerRow]) -> list[Customer]:
        emails = {r.data["email"].strip().lower() for r in parsed if r.data.get("email")}
        postcodes = {
            rules.compact_postcode(r.data["address"].get("postcode"))
            for r in parsed
            if r.data["address"].get("postcode")
        }
        refs = {r.accounts_ref for r in parsed if r.accounts_ref}
        conditions = []
        if emails:
            conditions.append(func.lower(Customer.email).in_(sorted(emails)))
        if postcodes:
            conditions.append(Customer.postcode_compact.in_(sorted(postcodes)))
        if refs:
            conditions.append(Customer.accounts_ref.in_(sorted(refs)))
        if not conditions:
            return []
        stmt = select(Customer).where(
            Customer.tenant_id == uow.tenant_id,
            Customer.merged_into_id.is_(None),
            or_(*conditions),
        )
        if self.match_key and not self.dry_run:
            # the rows this batch may update are locked until it commits: a concurrent writer (the
            # consumer storing an accounts ref) waits instead of failing the batch's version check
            stmt = stmt.with_for_update(of=Customer)
        return list(uow.session.scalars(stmt))

    def apply(self, uow: CustomersUnitOfWork, batch: list[tuple[int, list[str]]]) -> Outcome:
        out = Outcome()
        parsed = [p for p in (self._parse(out, n, row) for n, row in batch) if p is not None]
        index: dict[str, dict[bytes, list[Customer]]] = {
            "email": {},
            "name and postcode": {},
            "accounts ref": {},
        }
        for c in self._existing(uow, parsed):
            for key, what in (
                (keys.email_key(c.email), "email"),
                (keys.name_postcode_key(records.customer_values(c), c.postcode), "name and postcode"),
                (keys.accounts_ref_key(c.accounts_ref), "accounts ref"),
            ):
                if key is not None:
                    index[what].setdefault(key, []).append(c)
        match_what = {"email": "email", "name_postcode": "name and postcode", "accounts_ref": "accounts ref"}
        written: list[tuple[str, object]] = []  # (event type, row) in the order they happened
        for r in parsed:
            earlier = self._first_seen(r.keys)
            if earlier is not None:
                self._issue(out, r.number, "duplicate", None, f"Same {earlier[1]} as row {earlier[0]}.")
                out.duplicates += 1
                continue
            targets = index[match_what[self.match_key]].get(r.match, []) if self.match_key and r.match else []
            if len(targets) > 1:
                field_name = {"email": "email", "accounts_ref": "accounts_ref"}.get(
                    self.match_key, "postcode"
                )
                self._refuse(
                    out,
                    r.number,
                    {
                        field_name: [
                            f"Matches {len(targets)} existing customers on {self.match_key}; "
                            "cannot tell which one to update."
                        ]
                    },
                )
                continue
            if targets:
                self._update(uow, out, r, targets[0], written)
                continue
            clash = next(
                ((what, index[what][k][0]) for k, what in r.keys if k is not None and k in index[what]), None
            )
            if clash is not None:
                what, other = clash
                self._issue(
                    out,
                    r.number,
                    "duplicate",
                    None,
                    f"Same {what} as existing customer {other.display_name} ({other.id}).",
                )
                out.duplicates += 1
                continue
            self._create(uow, out, r, written)
        if not self.dry_run and written:
            created = [obj for event_type, obj in written if event_type == "customer.created"]
            contacts = [obj for event_type, obj in written if event_type == "contact.created"]
            _bulk_insert(uow, Customer, created)  # before their contacts (foreign key)
            _bulk_insert(uow, Contact, contacts)
            uow.session.flush()  # the updates, through the ORM (version check)
            uow.publish_many((event_type, payload(obj, event_type), obj.id) for event_type, obj in written)
        return out

    def _create(self, uow, out: Outcome, r: _CustomerRow, written: list) -> None:
        data = r.data
        customer = Customer(
            id=new_id(),
            tenant_id=uow.tenant_id,
            type=data["type"],
            status="active",
            blocked=False,
            credit_limit=None,
            custom_fields={},
            communication_preferences=rules.merged_preferences(None, None),
        )
        for name in records.SIMPLE_CUSTOMER_FIELDS:
            if name in data:
                setattr(customer, name, data[name])
        records.set_address(customer, data.get("address") or {})
        records.derive(customer)
        customer.accounts_ref = r.accounts_ref
        errors = self._rule_errors(uow, customer.type, records.customer_values(customer), new=True)
        if errors:
            self._refuse(out, r.number, errors)
            return
        self._remember(r.number, r.keys)
        out.created += 1
        if self.dry_run:
            return
        written.append(("customer.created", customer))  # inserted in bulk by `apply`
        contact_data = data.get("primary_contact")
        if contact_data:
            written.append(("contact.created", _new_contact(uow, customer.id, contact_data)))

    def _update(self, uow, out: Outcome, r: _CustomerRow, customer: Customer, written: list) -> None:
        data = r.data
        if r.type_given and data["type"] != customer.type:
            self._refuse(
                out,
                r.number,
                {
                    "type": [
                        f"The customer is {customer.type}; a type is changed with "
                        "POST /v1/customers/{id}/type, not by an import."
                    ]
                },
            )
            return
        changes = {
            n: data[n]
            for n in records.SIMPLE_CUSTOMER_FIELDS
            if n in data and data[n] != getattr(customer, n)
        }
        given = dict(data.get("address") or {})
        if "postcode" in given:
            given["postcode"] = rules.normalise_postcode(given["postcode"])
        current = customer.address
        address = {k: v for k, v in given.items() if current.get(k) != v}
        values = {**records.customer_values(customer), **changes, "address": {**current, **address}}
        errors = self._rule_errors(uow, customer.type, values, new=False)
        if errors:
            self._refuse(out, r.number, errors)
            return
        contact_data = data.get("primary_contact")
        primary = next((c for c in customer.contacts if c.is_primary), None)
        contact_changes = _contact_changes(primary, contact_data) if contact_data and primary else {}
        new_contact = bool(contact_data) and primary is None
        self._remember(r.number, r.keys)
        if not changes and not address and not contact_changes and not new_contact:
            out.unchanged += 1
            return
        out.updated += 1
        if self.dry_run:
            return
        if changes or address:
            for name, value in changes.items():
                setattr(customer, name, value)
            records.set_address(customer, address)
            records.derive(customer)
            customer.updated_at = utcnow()
            written.append(("customer.updated", customer))
        if contact_changes:
            for name, value in contact_changes.items():
                setattr(primary, name, value)
            primary.phone_digits = rules.phones_digits(primary.phones)
            primary.updated_at = utcnow()
            written.append(("contact.updated", primary))
        if new_contact:
            written.append(("contact.created", _new_contact(uow, customer.id, contact_data)))


def _bulk_insert(uow: CustomersUnitOfWork, model, rows: list) -> None:
    """INSERT new rows with one multi-row statement instead of the ORM's per-object flush.

    The objects stay transient (never in the session); they get what the ORM would give them on
    insert — the column defaults and version 1 — so their snapshots show what was written.
    """
    if not rows:
        return
    table = model.__table__
    version = model.__mapper__.version_id_col
    defaults = [
        (column.key, column is version, column.default)
        for column in table.columns
        if column is version or column.default is not None
    ]
    keys = [column.key for column in table.columns]
    values = []
    for obj in rows:
        state = obj.__dict__  # a transient object's loaded values (no attribute events needed)
        for key, is_version, default in defaults:
            if is_version:
                state[key] = 1
            elif state.get(key) is None:
                state[key] = default.arg(None) if default.is_callable else default.arg
        values.append({key: state.get(key) for key in keys})
    uow.session.execute(insert(table), values)


def _new_contact(uow, customer_id: str, data: dict) -> Contact:
    """As `contacts.attach_contact` makes it; the customer has no primary yet, so this one is."""
    return contacts.new_contact(uow.tenant_id, customer_id, data, id=new_id(), is_primary=True)


def _contact_changes(primary: Contact, data: dict) -> dict:
    changes = {n: data[n] for n in CONTACT_ATTRS if n in data and data[n] != getattr(primary, n)}
    if data.get("phones"):
        phone = data["phones"][0]
        phones = list(primary.phones or [])
        if not phones or phones[0].get("number") != phone["number"]:
            changes["phones"] = [phone, *phones[1:]]  # the imported number replaces the first one
    return changes
