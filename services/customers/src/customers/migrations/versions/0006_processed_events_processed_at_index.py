"""The processed_at index: the kit makes it now (kit_0002). See fieldbook_shared.migrations.placeholders."""

from fieldbook_shared.migrations.placeholders import nothing_to_do as downgrade
from fieldbook_shared.migrations.placeholders import nothing_to_do as upgrade

revision = "0006"
down_revision = "0005"
depends_on = "kit_0002"

__all__ = ["downgrade", "upgrade"]
