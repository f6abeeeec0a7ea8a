"""`make chaos`: the e2e suite's fixtures and harness (tests-e2e/), reused as they are.

The e2e conftest is loaded as a plugin under its own name (two modules called `conftest` would
clash), so `system`, `tenant`, `events`, `broker`... and its log reporting work here unchanged.
The table of every scenario is printed at the end of the run.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

from harness import chaos

_E2E_CONFTEST = Path(__file__).resolve().parent.parent / "tests-e2e" / "conftest.py"
_spec = importlib.util.spec_from_file_location("fieldbook_e2e_conftest", _E2E_CONFTEST)
_module = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = _module
_spec.loader.exec_module(_module)


def pytest_configure(config):
    config.pluginmanager.register(_module, _spec.name)


def pytest_terminal_summary(terminalreporter):
    if chaos.REPORT:
        terminalreporter.section("make chaos: what each scenario published, delivered, applied, lost")
        terminalreporter.write_line(chaos.table(chaos.REPORT))
