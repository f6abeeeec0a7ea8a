from fieldbook_shared.db import Base
from fieldbook_shared.migrations import run_env
from webhooks.store import models  # noqa: F401  (registers the tables on Base.metadata)

run_env(Base.metadata)
