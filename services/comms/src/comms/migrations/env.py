from comms.store import models  # noqa: F401  (registers the tables on Base.metadata)
from fieldbook_shared.db import Base
from fieldbook_shared.migrations import run_env

run_env(Base.metadata)
