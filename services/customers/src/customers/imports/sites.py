"""Work-address rows, set-based: a batch of thousands of rows costs a handful of statements.

1. One pass in Python over the rows: the mapped values, the checks of the API's WorkAddressIn
   schema (lengths and emails read off the schema itself; a row that fails one, or names no
   customer or no first line, goes through the schema for the exact messages), the postcode
   normalised (`rules.normalise_postcode`) and each new site's event built.
2. The customers the rows name are staged (COPY on PostgreSQL) and JOINed to `customers` in one
   query per way of naming one (id, accounts ref, email).
3. The rows that found one customer and are not a repeat in the file are staged with their new
   ids and events; one JOIN finds the existing sites they update (customer, line 1, postcode).
4. New sites: one INSERT … SELECT into `work_addresses`, one into the outbox (`publish_select`).
   Updates (a re-import) go through the ORM, as they need the stored site.

A dry run runs steps 1–3 alike and writes nothing. The staging tables are temporary, dropped at
the end of the batch. SQLite runs the same SQL, with executemany where PostgreSQL has COPY.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from types import SimpleNamespace

from marshmallow import Schema, ValidationError, fields, validate
from sqlalchemy import Column, Integer, String, Text, and_, delete, func, literal, or_, select, union_all
from sqlalchemy.orm import Session

from fieldbook_shared.aggregate import payload
from fieldbook_shared.bulk import copy_rows, create_staging, drop_staging, staging_table
from fieldbook_shared.db import new_ids, utcnow
from fieldbook_shared.problems import ValidationFailed, flatten_errors
from fieldbook_shared.uow import BulkEvents

from ..domain import imports as keys
from ..domain import rules
from ..domain.inputs import WorkAddressInSchema
from ..service import records
from ..store.models import Customer, WorkAddress
from ..uow import CustomersUnitOfWork
from .rows import Outcome, _Rows

CREATED = "work_address.created"
OWNER_FIELDS = (("id", "customer_id"), ("accounts_ref", "customer_accounts_ref"), ("email", "customer_email"))
OWNER_FIELD = dict(OWNER_FIELDS)
SITES = WorkAddress.__table__
COMMON_COLUMNS = ("version", "created_at", "updated_at", "communication_preferences")
ADDRESS_COLUMNS = ("address_line_1", "address_line_2", "address_line_3", "town", "county", "postcode")

owners_stage = staging_table("import_owners", Column("how", String(16)), Column("lookup", Text))
sites_stage = staging_table(
    "import_sites",
    Column("row_number", Integer, primary_key=True),
    # the new sites' columns but those the INSERT gives every row alike
    *(Column(c.name, c.type) for c in SITES.columns if c.name not in COMMON_COLUMNS),
    Column("event_id", String(36)),
    Column("payload", Text),  # the CloudEvent, serialised
)
SITE_COLUMNS = [c.name for c in sites_stage.columns][1:-2]  # between row_number and the event


SCHEMA_CHECKED = object()  # a field with a check `_limits` does not know: its rows take the schema


def _limits(schema: Schema, prefix: str = "") -> dict[str, object]:
    """{import field: its longest length, "email", or SCHEMA_CHECKED}, read off the schema's own
    validators, so the fast path never guesses a rule the schema makes."""
    found: dict[str, object] = {}
    for name, schema_field in schema.fields.items():
        path = f"{prefix}{name}"
        if isinstance(schema_field, fields.Nested):
            found.update(_limits(schema_field.schema, f"{path}."))
            continue
        check: object = "email" if isinstance(schema_field, fields.Email) else None
        for validator in schema_field.validators:
            if isinstance(validator, validate.Length) and not validator.min and validator.equal is None:
                check = validator.max if check is None else SCHEMA_CHECKED
            elif not isinstance(validator, validate.Email):
                check = SCHEMA_CHECKED
        found[keys.import_field(path)] = check
    return found


@dataclass
class _Site:
    number: int
    owner: tuple[str, str]  # (how, value) as the row gives it: ("id" | "accounts_ref" | "email", value)
    data: dict  # WorkAddressIn's shape: name, address, landlord, occupier
    address: dict  # the address given, postcode normalised
    customer_id: str = ""
    status: str = "active"
    key: bytes = b""  # `keys.work_address_key` once the customer is known


class WorkAddressRows(_Rows):
    def __init__(self, columns, mapping, dry_run):
        super().__init__(columns, mapping, dry_run)
        self.schema = WorkAddressInSchema()
        self.limits = _limits(self.schema)
        self.email = validate.Email()
        self.owners: dict[tuple[str, str], list[tuple[str, str]]] = {}  # (how, lookup) → [(id, status)]

    # 1. parsing ------------------------------------------------------------------------------

    def _clean(self, row: list[str], values: dict[str, str]) -> bool:
        """True when the row passes every check the schema and the owner rules make (the fast
        path); False sends it through `_parse` for the same decision and the exact messages."""
        if self._width_problem(row) or "address_line_1" not in values:
            return False
        owner = next((how for how, name in OWNER_FIELDS if name in values), None)
        if owner is None or (owner == "id" and not _is_uuid(values["customer_id"])):
            return False
        for name, value in values.items():
            check = self.limits.get(name)
            if check is None:
                continue
            if check is SCHEMA_CHECKED or (type(check) is int and len(value) > check):
                return False
            if check == "email":
                try:
                    self.email(value)
                except ValidationError:
                    return False
        return True

    def _site(self, out: Outcome, number: int, row: list[str]) -> _Site | None:
        values = keys.row_values(self.columns, self.mapping, row)
        if not self._clean(row, values):
            return self._parse(out, number, row, values)
        how, name = next((how, name) for how, name in OWNER_FIELDS if name in values)
        owner = (how, values[name].upper() if how == "accounts_ref" else values[name])
        return self._made(number, owner, keys.work_address_body(values))

    @staticmethod
    def _made(number: int, owner: tuple[str, str], data: dict) -> _Site:
        address = dict(data["address"])
        if "postcode" in address:
            address["postcode"] = rules.normalise_postcode(address["postcode"])
        return _Site(number, owner, data, address)

    def _parse(self, out: Outcome, number: int, row: list[str], values: dict[str, str]) -> _Site | None:
        """The row through the API's schema and the owner rules: what a row that is not clean gets."""
        errors: dict[str, list[str]] = {}
        problem = self._width_problem(row)
        if problem:
            errors["_row"] = [problem]
        owner = None
        for how, name in OWNER_FIELDS:
            if name in values:
                owner = (how, values[name].upper() if how == "accounts_ref" else values[name])
                break
        if owner is None:
            errors["customer"] = [
                "Missing data: the row names no customer "
                "(customer_id, customer_accounts_ref or customer_email)."
            ]
        elif owner[0] == "id" and not _is_uuid(owner[1]):
            errors["customer_id"] = ["Not a valid customer id."]
        try:
            data = self.schema.load(keys.work_address_body(values))
        except ValidationError as exc:
            errors.update({keys.import_field(k): v for k, v in flatten_errors(exc.messages).items()})
            data = None
        if data is not None:
            try:
                records.require_address(SimpleNamespace(address_line_1=data["address"].get("line_1")))
            except ValidationFailed as exc:
                errors.update(exc.extra["errors"])
        if errors or owner is None or data is None:
            for name, messages in errors.items():
                field_name = None if name == "_row" else keys.import_field(name)
                self._issue(out, number, "error", field_name, "; ".join(messages))
            out.refused += 1
            return None
        return self._made(number, owner, data)

    def remember(self, number: int, row: list[str]) -> None:
        """Resuming: earlier rows' keys need their customers, which the batch lookups resolve; a
        resumed work-address import relies on the database (earlier rows are committed) instead."""

    # 2. owners -------------------------------------------------------------------------------

    @staticmethod
    def _lookup(owner: tuple[str, str]) -> tuple[str, str]:
        how, value = owner
        return how, value.strip().lower() if how == "email" else value

    def _resolve_owners(self, session: Session, tenant_id: str, sites: list[_Site]) -> None:
        """The customers named by rows, those not looked up by an earlier batch: staged and JOINed."""
        wanted = {self._lookup(s.owner) for s in sites} - self.owners.keys()
        if not wanted:
            return
        create_staging(session, owners_stage)
        copy_rows(session, owners_stage, sorted(wanted))
        o, c = owners_stage.c, Customer.__table__.c
        live = and_(c.tenant_id == tenant_id, c.merged_into_id.is_(None))
        matches = union_all(
            *(
                select(o.how, o.lookup, c.id, c.status)
                .join_from(owners_stage, Customer.__table__, and_(on, live))
                .where(o.how == how)
                for how, on in (
                    ("id", c.id == o.lookup),
                    ("accounts_ref", c.accounts_ref == o.lookup),
                    ("email", func.lower(c.email) == o.lookup),
                )
            )
        )
        for key in wanted:
            self.owners[key] = []
        for how, lookup, customer_id, status in session.execute(matches):
            self.owners[(how, lookup)].append((customer_id, status))
        drop_staging(session, owners_stage)

    def _owned(self, out: Outcome, sites: list[_Site]) -> list[_Site]:
        """The sites with exactly one customer and not repeated in the file; the others reported."""
        kept = []
        for s in sites:
            how, value = s.owner
            found = self.owners[self._lookup(s.owner)]
            if len(found) != 1:
                reason = (
                    f"No customer with {how.replace('_', ' ')} {value!r}."
                    if not found
                    else f"{len(found)} customers have {how.replace('_', ' ')} {value!r}; use customer_id."
                )
                self._refuse(out, s.number, {OWNER_FIELD[how]: [reason]})
                continue
            s.customer_id, status = found[0]
            s.status = "dormant" if status == "dormant" else "active"
            s.key = key = keys.work_address_key(
                s.customer_id, s.address.get("line_1"), s.address.get("postcode")
            )
            if key in self.seen:
                reason = f"Same customer, address line 1 and postcode as row {self.seen[key]}."
                self._issue(out, s.number, "duplicate", None, reason)
                out.duplicates += 1
                continue
            self.seen[key] = s.number
            kept.append(s)
        return kept

    # 3. staging the sites, finding the existing ones -----------------------------------------

    def _staged_row(
        self, uow: CustomersUnitOfWork, events: BulkEvents, s: _Site, prefs: dict, ids: tuple[str, str]
    ) -> tuple:
        """The new site's columns (in `sites_stage`'s order) and its `work_address.created` event;
        `ids` are the site's and the event's."""
        site_id, event_id = ids
        address = {(f"address_{k}" if k.startswith("line_") else k): v for k, v in s.address.items()}
        columns = {
            "id": site_id,
            "tenant_id": uow.tenant_id,
            "customer_id": s.customer_id,
            "name": s.data.get("name"),
            "status": s.status,
            "landlord": records.person(s.data.get("landlord")),
            "occupier": records.person(s.data.get("occupier"), rules.DEFAULT_OCCUPIER_SURNAME),
            "postcode_compact": rules.compact_postcode(s.address.get("postcode")),
            **{c: address.get(c) for c in ADDRESS_COLUMNS},
        }
        data = {
            "id": site_id,
            "customer_id": s.customer_id,
            "version": 1,
            "name": columns["name"],
            "address": {k: columns[c] for k, c in zip(_ADDRESS_KEYS, ADDRESS_COLUMNS, strict=True)},
            "status": s.status,
            "landlord": columns["landlord"],
            "occupier": columns["occupier"],
            "communication_preferences": prefs,
        }
        event_id, event = events.make(data, site_id, event_id)
        return (s.number, *[columns[name] for name in SITE_COLUMNS], event_id, event)

    def _existing(self, session: Session, tenant_id: str, sites: list[_Site]) -> dict[int, str]:
        """{row number: id of the stored site it updates}: one JOIN of the staged rows to the
        customers' sites with the same postcode, compared on line 1 as `keys.work_address_key` does."""
        st, wa = sites_stage.c, SITES.c
        same_postcode = or_(
            wa.postcode_compact == st.postcode_compact,
            and_(
                or_(st.postcode_compact.is_(None), st.postcode_compact == ""),
                or_(wa.postcode_compact.is_(None), wa.postcode_compact == ""),
            ),
        )
        candidates = session.execute(
            select(st.row_number, wa.id, wa.customer_id, wa.address_line_1, wa.postcode)
            .join_from(sites_stage, SITES, and_(wa.customer_id == st.customer_id, wa.tenant_id == tenant_id))
            .where(same_postcode)
            .order_by(st.row_number, wa.created_at, wa.id)
        )
        wanted = {s.number: s.key for s in sites}
        found: dict[int, str] = {}
        for number, site_id, customer_id, line_1, postcode in candidates:
            if number not in found and keys.work_address_key(customer_id, line_1, postcode) == wanted[number]:
                found[number] = site_id
        return found

    # the batch -------------------------------------------------------------------------------

    def apply(self, uow: CustomersUnitOfWork, batch: list[tuple[int, list[str]]]) -> Outcome:
        out = Outcome()
        session = uow.session
        parsed = [s for s in (self._site(out, n, row) for n, row in batch) if s is not None]
        self._resolve_owners(session, uow.tenant_id, parsed)
        sites = self._owned(out, parsed)
        if not sites:
            return out
        prefs = rules.merged_preferences(None, None)
        events = uow.bulk_events(CREATED)
        ids = new_ids(2 * len(sites))  # a site's id and its event's
        pairs = zip(ids[::2], ids[1::2], strict=True)
        staged = [self._staged_row(uow, events, s, prefs, p) for s, p in zip(sites, pairs, strict=True)]
        self._check_event(uow, sites[0], staged[0], prefs)
        create_staging(session, sites_stage)
        copy_rows(session, sites_stage, staged)
        existing = self._existing(session, uow.tenant_id, sites)
        out.created += len(sites) - len(existing)
        if existing:
            self._updates(uow, out, {s.number: s for s in sites if s.number in existing}, existing)
            session.execute(delete(sites_stage).where(sites_stage.c.row_number.in_(sorted(existing))))
        if not self.dry_run:
            self._insert_new(uow, prefs)
        drop_staging(session, sites_stage)
        return out

    def _insert_new(self, uow: CustomersUnitOfWork, prefs: dict) -> None:
        """The staged sites into `work_addresses`, then their events into the outbox, in row order."""
        st = sites_stage.c
        now = utcnow()
        common = {
            "version": literal(1),
            "created_at": literal(now, SITES.c.created_at.type),
            "updated_at": literal(now, SITES.c.updated_at.type),
            "communication_preferences": literal(prefs, SITES.c.communication_preferences.type),
        }
        names = [c.name for c in SITES.columns]
        source = select(*(common[n] if n in common else st[n] for n in names)).order_by(st.row_number)
        uow.session.execute(SITES.insert().from_select(names, source))
        uow.publish_select(select(st.event_id, literal(CREATED), st.id, st.payload).order_by(st.row_number))

    def _check_event(self, uow: CustomersUnitOfWork, s: _Site, staged: tuple, prefs: dict) -> None:
        """The first new site's event, made the fast way, against the catalogue's (the ORM's way)."""
        wa = WorkAddress(
            id=staged[1],
            customer_id=s.customer_id,
            version=1,
            name=s.data.get("name"),
            status=s.status,
            landlord=records.person(s.data.get("landlord")),
            occupier=records.person(s.data.get("occupier"), rules.DEFAULT_OCCUPIER_SURNAME),
            communication_preferences=prefs,
        )
        records.set_address(wa, s.address)
        uow.check_bulk_event(staged[-1], payload(wa, CREATED))

    def _updates(self, uow, out: Outcome, sites: dict[int, _Site], existing: dict[int, str]) -> None:
        """Re-imported sites: compared with the stored ones, changed through the ORM (version check)."""
        stored = {
            wa.id: wa
            for wa in uow.session.scalars(
                select(WorkAddress).where(WorkAddress.id.in_(sorted(existing.values())))
            )
        }
        written = []
        for number in sorted(sites):
            s, wa = sites[number], stored[existing[number]]
            changes = _site_changes(wa, s.data)
            current = wa.address
            address_changes = {k: v for k, v in s.address.items() if current.get(k) != v}
            if not changes and not address_changes:
                out.unchanged += 1
                continue
            out.updated += 1
            if self.dry_run:
                continue
            for name, value in changes.items():
                setattr(wa, name, value)
            records.set_address(wa, address_changes)
            wa.updated_at = utcnow()
            written.append(wa)
        if written:
            uow.session.flush()  # the updates, through the ORM (version check)
            uow.publish_many(
                ("work_address.updated", payload(wa, "work_address.updated"), wa.id) for wa in written
            )


_ADDRESS_KEYS = ("line_1", "line_2", "line_3", "town", "county", "postcode")


def _is_uuid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True


def _site_changes(wa: WorkAddress, data: dict) -> dict:
    """A row's name, landlord and occupier where they differ from the site's (the people merged)."""
    changes = {}
    if "name" in data and data["name"] != wa.name:
        changes["name"] = data["name"]
    for role, default in (("landlord", None), ("occupier", rules.DEFAULT_OCCUPIER_SURNAME)):
        if role in data:
            merged = records.person({**(getattr(wa, role) or {}), **data[role]}, default)
            if merged != getattr(wa, role):
                changes[role] = merged
    return changes
