"""gunicorn settings shared by every web process: `gunicorn -c python:fieldbook_shared.gunicorn_conf ...`.

Workers, threads and timeouts come from the environment so ops can size each service alone.
"""

import os

from fieldbook_shared.keepalive import SERVER_KEEPALIVE_SECONDS

workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("WEB_THREADS", "4"))
timeout = int(os.environ.get("WEB_TIMEOUT", "30"))
graceful_timeout = 20
keepalive = SERVER_KEEPALIVE_SECONDS  # clients give a connection up before this (keepalive.py)
accesslog = None  # the app logs one JSON line per request itself
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
# gunicorn 27 opens one control socket per user by default; several of our processes on one
# machine would fight over it, and nothing here uses it
control_socket_disable = True
# gunicorn's largest request line (its default, 4094, is below the 4096-byte URL the gateway
# forwards): a longer URL gets the gateway's 414 problem, not gunicorn's own page
limit_request_line = 8190


def on_starting(server):
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if directory:
        os.makedirs(directory, exist_ok=True)
        for name in os.listdir(directory):
            if name.endswith(".db"):
                os.remove(os.path.join(directory, name))


def child_exit(server, worker):
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
