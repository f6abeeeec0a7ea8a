"""What the customers service publishes: the snapshot each event carries.

Published events carry a full snapshot with its `version`, so a read model elsewhere can ignore a
copy older than the one it holds. What it consumes is in `handlers.py`.
"""

from __future__ import annotations

from .store.models import Branch, Contact, Customer, WorkAddress


def address_of(row) -> dict:
    return {
        "line_1": row.address_line_1,
        "line_2": row.address_line_2,
        "line_3": row.address_line_3,
        "town": row.town,
        "county": row.county,
        "postcode": row.postcode,
    }


def customer_snapshot(c: Customer) -> dict:
    return {
        "id": c.id,
        "version": c.version,
        "type": c.type,
        "title": c.title,
        "first_name": c.first_name,
        "surname": c.surname,
        "company_name": c.company_name,
        "display_name": c.display_name,
        "business_type": c.business_type,
        "address": address_of(c),
        "email": c.email,
        "phone": c.phone,
        "status": c.status,
        "blocked": c.blocked,
        "block_reason": c.block_reason,
        "credit_limit": c.credit_limit,
        "payment_terms_days": c.payment_terms_days,
        "account_manager": c.account_manager,
        "advertising_source": c.advertising_source,
        "price_book": c.price_book,
        "invoice_address_format": c.invoice_address_format,
        "custom_fields": c.custom_fields or {},
        "communication_preferences": c.communication_preferences or {},
        "accounts_ref": c.accounts_ref,
        "created_at": c.created_at,
        "updated_at": c.updated_at,
    }


def contact_snapshot(c: Contact) -> dict:
    return {
        "id": c.id,
        "customer_id": c.customer_id,
        "version": c.version,
        "title": c.title,
        "first_name": c.first_name,
        "surname": c.surname,
        "position": c.position,
        "phones": c.phones or [],
        "email": c.email,
        "urls": c.urls or [],
        "primary": c.is_primary,
        "archived": c.archived,
        "communication_preferences": c.communication_preferences or {},
    }


def branch_snapshot(b: Branch) -> dict:
    return {
        "id": b.id,
        "customer_id": b.customer_id,
        "version": b.version,
        "name": b.name,
        "code": b.code,
        "address": address_of(b),
        "phones": b.phones or [],
        "emails": b.emails or [],
        "default_contact_id": b.default_contact_id,
    }


def work_address_snapshot(w: WorkAddress) -> dict:
    return {
        "id": w.id,
        "customer_id": w.customer_id,
        "version": w.version,
        "name": w.name,
        "address": address_of(w),
        "status": w.status,
        "landlord": w.landlord,
        "occupier": w.occupier,
        "communication_preferences": w.communication_preferences or {},
    }
