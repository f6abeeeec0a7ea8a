"""The command line a simulator runs under: one gunicorn worker, its threads, its address."""

import os
import sys

from fieldbook_shared.simulators import gunicorn_argv

GUNICORN = os.path.join(os.path.dirname(sys.executable), "gunicorn")


def test_defaults_bind_the_simulators_own_port_with_one_worker():
    command = gunicorn_argv("sage_simulator.app:create_app()", "SIM", 8090, 16, [], {})
    assert command == [
        GUNICORN,
        *("--workers", "1", "--threads", "16", "--bind", "127.0.0.1:8090", "--no-control-socket"),
        "sage_simulator.app:create_app()",
    ]


def test_the_environment_and_the_arguments_choose_the_address_threads_and_access_log():
    env = {
        "SMS_SIM_HOST": "0.0.0.0",
        "SMS_SIM_PORT": "9001",
        "SMS_SIM_THREADS": "2",
        "SMS_SIM_ACCESS_LOG": "1",
    }
    command = gunicorn_argv("sms_simulator.app:create_app()", "SMS_SIM", 8091, 8, ["--port", "9002"], env)
    assert command[command.index("--threads") + 1] == "2"
    assert command[command.index("--bind") + 1] == "0.0.0.0:9002"
    assert command[-3:] == ["--access-logfile", "-", "sms_simulator.app:create_app()"]
