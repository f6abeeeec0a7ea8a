"""search: one search document per customer (`customers.search_text`) with one trigram index

Search used to OR an ILIKE over fifteen trigram-indexed columns of customers and contacts and
intersect the sets per word: at a million customers a common name took seconds (every index
scanned, every hit counted and sorted). Now every searched field of a customer and of its
contacts is in one text, one line a field, and a search is `search_text ILIKE '%word%'` for each
word, served by one GIN index. The old per-column trigram indexes go (nothing else reads them).

The database keeps the document current in the same transaction as every write that changes a
searched field, whoever writes (the ORM, the CSV import's multi-row INSERT, `record_facts`'s
UPDATE of the accounts ref, a merge moving contacts): triggers on customers and contacts. On
PostgreSQL the text is built by SQL functions, defined once here and used by the triggers and by
`customers_search_text_refresh()`, the set-based rebuild of every document (this backfill; the
bench calls it after its COPY). SQLite (`make up`'s default) gets the same document from its own
triggers: one expression, `SQLITE_DOCUMENT`.
"""

from alembic import op

revision = "0011"
down_revision = "0010"

# every searched field; a change to one of them rebuilds the customer's document
CUSTOMER_FIELDS = (
    "display_name",
    "company_name",
    "address_line_1",
    "address_line_2",
    "address_line_3",
    "town",
    "county",
    "postcode_compact",
    "email",
    "accounts_ref",
    "phone_digits",
)
CONTACT_FIELDS = ("first_name", "surname", "email", "phone_digits")

# the per-column indexes of 0001, 0005 and 0008, which the document replaces: one per searched field
OLD_TRIGRAM_INDEXES = [("customers", field) for field in CUSTOMER_FIELDS] + [
    ("contacts", field) for field in CONTACT_FIELDS
]


def _fields(alias: str, fields: tuple[str, ...]) -> str:
    return ", ".join(f"{alias}.{f}" for f in fields)


# A line per field ("\n" between): no search word holds a line break (words are split on
# whitespace), so no match can run from one field into the next.
POSTGRES = f"""
CREATE FUNCTION contact_search_text(k contacts) RETURNS text LANGUAGE sql STABLE
AS $$ SELECT concat_ws(E'\\n', {_fields("k", CONTACT_FIELDS)}) $$;

CREATE FUNCTION customer_search_text(c customers, contacts_text text) RETURNS text LANGUAGE sql STABLE
AS $$ SELECT concat_ws(E'\\n', {_fields("c", CUSTOMER_FIELDS)}, contacts_text) $$;

CREATE FUNCTION customer_contacts_search_text(customer varchar) RETURNS text LANGUAGE sql STABLE
AS $$ SELECT string_agg(contact_search_text(k), E'\\n' ORDER BY k.id) FROM contacts k
      WHERE k.customer_id = customer $$;

CREATE FUNCTION customers_search_text_refresh() RETURNS void LANGUAGE sql AS $$
  UPDATE customers c SET search_text = customer_search_text(c, k.text)
  FROM (SELECT customer_id, string_agg(contact_search_text(k), E'\\n' ORDER BY k.id) AS text
        FROM contacts k GROUP BY customer_id) k
  WHERE k.customer_id = c.id;
  UPDATE customers c SET search_text = customer_search_text(c, NULL)
  WHERE NOT EXISTS (SELECT 1 FROM contacts k WHERE k.customer_id = c.id);
$$;

CREATE FUNCTION customers_search_text_row() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.search_text := customer_search_text(NEW, customer_contacts_search_text(NEW.id));
  RETURN NEW;
END $$;

CREATE TRIGGER customers_search_text BEFORE INSERT OR UPDATE OF {", ".join(CUSTOMER_FIELDS)}
  ON customers FOR EACH ROW EXECUTE FUNCTION customers_search_text_row();

-- once per statement, so a multi-row INSERT (the CSV import) rebuilds each customer once; an
-- UPDATE only for the contacts whose searched fields (or customer) changed. The customers are
-- found by `id = ANY(array)`, always the primary key's index: a join with the transition table
-- may be planned as a nested loop over both (a fresh table's statistics say one row).
CREATE FUNCTION contacts_search_text_statement() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  touched varchar[];
BEGIN
  IF TG_OP = 'INSERT' THEN
    touched := ARRAY(SELECT DISTINCT customer_id FROM new_contacts);
  ELSIF TG_OP = 'DELETE' THEN
    touched := ARRAY(SELECT DISTINCT customer_id FROM old_contacts);
  ELSE
    touched := ARRAY(
      SELECT customer_id FROM (
        (SELECT customer_id, id, contact_search_text(o) FROM old_contacts o
         EXCEPT SELECT customer_id, id, contact_search_text(n) FROM new_contacts n)
        UNION
        (SELECT customer_id, id, contact_search_text(n) FROM new_contacts n
         EXCEPT SELECT customer_id, id, contact_search_text(o) FROM old_contacts o)
      ) changed);
  END IF;
  UPDATE customers c SET search_text = customer_search_text(c, customer_contacts_search_text(c.id))
  WHERE c.id = ANY(touched);
  RETURN NULL;
END $$;

CREATE TRIGGER contacts_search_text_insert AFTER INSERT ON contacts
  REFERENCING NEW TABLE AS new_contacts
  FOR EACH STATEMENT EXECUTE FUNCTION contacts_search_text_statement();
CREATE TRIGGER contacts_search_text_update AFTER UPDATE ON contacts
  REFERENCING OLD TABLE AS old_contacts NEW TABLE AS new_contacts
  FOR EACH STATEMENT EXECUTE FUNCTION contacts_search_text_statement();
CREATE TRIGGER contacts_search_text_delete AFTER DELETE ON contacts
  REFERENCING OLD TABLE AS old_contacts
  FOR EACH STATEMENT EXECUTE FUNCTION contacts_search_text_statement();
"""

POSTGRES_DOWN = """
DROP TRIGGER IF EXISTS contacts_search_text_insert ON contacts;
DROP TRIGGER IF EXISTS contacts_search_text_update ON contacts;
DROP TRIGGER IF EXISTS contacts_search_text_delete ON contacts;
DROP TRIGGER IF EXISTS customers_search_text ON customers;
DROP FUNCTION IF EXISTS contacts_search_text_statement();
DROP FUNCTION IF EXISTS customers_search_text_row();
DROP FUNCTION IF EXISTS customers_search_text_refresh();
DROP FUNCTION IF EXISTS customer_contacts_search_text(varchar);
DROP FUNCTION IF EXISTS customer_search_text(customers, text);
DROP FUNCTION IF EXISTS contact_search_text(contacts);
"""


def _sqlite_lines(alias: str, fields: tuple[str, ...]) -> str:
    return " || char(10) || ".join(f"coalesce({alias}.{f}, '')" for f in fields)


# the document of the customers row being updated (`customers.…`), as PostgreSQL's functions build it
SQLITE_DOCUMENT = (
    f"{_sqlite_lines('customers', CUSTOMER_FIELDS)} || char(10) || coalesce(("
    f"SELECT group_concat({_sqlite_lines('k', CONTACT_FIELDS)}, char(10))"
    " FROM (SELECT * FROM contacts WHERE contacts.customer_id = customers.id ORDER BY contacts.id) k"
    "), '')"
)
SQLITE_TRIGGERS = {
    "customers_search_text_insert": ("AFTER INSERT ON customers", "customers.id = NEW.id"),
    "customers_search_text_update": (
        f"AFTER UPDATE OF {', '.join(CUSTOMER_FIELDS)} ON customers",
        "customers.id = NEW.id",
    ),
    "contacts_search_text_insert": ("AFTER INSERT ON contacts", "customers.id = NEW.customer_id"),
    "contacts_search_text_update": (
        f"AFTER UPDATE OF customer_id, {', '.join(CONTACT_FIELDS)} ON contacts",
        "customers.id IN (OLD.customer_id, NEW.customer_id)",
    ),
    "contacts_search_text_delete": ("AFTER DELETE ON contacts", "customers.id = OLD.customer_id"),
}


def upgrade() -> None:
    op.execute("ALTER TABLE customers ADD COLUMN search_text TEXT")
    if op.get_bind().dialect.name == "postgresql":
        for table, column in OLD_TRIGRAM_INDEXES:
            op.execute(f"DROP INDEX IF EXISTS ix_{table}_{column}_trgm")
        op.execute(POSTGRES)
        op.execute("SELECT customers_search_text_refresh()")
        op.execute(
            "CREATE INDEX ix_customers_search_text_trgm ON customers USING gin (search_text gin_trgm_ops)"
        )
        return
    for name, (when, which) in SQLITE_TRIGGERS.items():
        op.execute(
            f"CREATE TRIGGER {name} {when} BEGIN"
            f" UPDATE customers SET search_text = {SQLITE_DOCUMENT} WHERE {which}; END"
        )
    op.execute(f"UPDATE customers SET search_text = {SQLITE_DOCUMENT}")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_customers_search_text_trgm")
        op.execute(POSTGRES_DOWN)
        for table, column in OLD_TRIGRAM_INDEXES:
            op.execute(
                f"CREATE INDEX IF NOT EXISTS ix_{table}_{column}_trgm ON {table} USING gin ({column} gin_trgm_ops)"
            )
    else:
        for name in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    with op.batch_alter_table("customers") as batch_op:
        batch_op.drop_column("search_text")
