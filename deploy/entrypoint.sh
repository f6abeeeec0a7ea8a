#!/bin/sh
# The image's entry point: one image per package (build arg SERVICE, seen here as
# FIELDBOOK_SERVICE), one process type per container, picked by the first argument.
#   web      gunicorn serving $WEB_APP (default <package>.app:create_app()) on 0.0.0.0:$PORT
#            (default 8000). WEB_APP runs another app of the same image, e.g. the Sage simulator
#            of the accounting-sync image.
#   worker   python -m <package>.worker  (outbox relay + event consumer; its metrics on
#            $WORKER_METRICS_PORT when set)
#   migrate  python -m <package>.manage migrate, then exit
#   anything else is run as given (e.g. `python -m gateway.manage create-tenant ...`)
# The process type is written to $FIELDBOOK_PROCESS_FILE for the image's HEALTHCHECK
# (deploy/healthcheck.py), which then knows what to probe.
set -eu
: "${FIELDBOOK_SERVICE:?FIELDBOOK_SERVICE is set by the image (build arg SERVICE)}"
FIELDBOOK_PACKAGE=$(echo "$FIELDBOOK_SERVICE" | tr - _)  # accounting-sync → accounting_sync
process="${1:-web}"
case "$process" in web | worker | migrate) ;; *) process=command ;; esac
echo "$process" >"${FIELDBOOK_PROCESS_FILE:-/tmp/fieldbook-process}" 2>/dev/null || true
case "${1:-web}" in
  web)
    exec gunicorn -c python:fieldbook_shared.gunicorn_conf -b "0.0.0.0:${PORT:-8000}" \
      "${WEB_APP:-${FIELDBOOK_PACKAGE}.app:create_app()}"
    ;;
  worker)
    exec python -m "${FIELDBOOK_PACKAGE}.worker"
    ;;
  migrate)
    exec python -m "${FIELDBOOK_PACKAGE}.manage" migrate
    ;;
  *)
    exec "$@"
    ;;
esac
