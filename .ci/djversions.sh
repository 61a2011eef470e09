# Copied from shared/tools. Source this to pick the Django that runs, by DJ_DJANGO.
#   DJ_DJANGO=3.2 (default)  Debian bookworm's python3-django 3.2.25, the system package
#   DJ_DJANGO=4.2|5.2|6.1    real Debian packages of newer Django extracted under /tmp/djnewer
#                            by newer-django.sh (nothing is installed system-wide)
DJNEWER="${DJNEWER:-/tmp/djnewer}"
DJ_DJANGO="${DJ_DJANGO:-3.2}"
case "$DJ_DJANGO" in
  3.2) ;;
  4.2|5.2)
    export PYTHONPATH="$DJNEWER/$DJ_DJANGO/root/usr/lib/python3/dist-packages:$DJNEWER/asgiref-3.8/usr/lib/python3/dist-packages${PYTHONPATH:+:$PYTHONPATH}" ;;
  6.1)
    # Django 6.x wants Python >= 3.12; py311shim/sitecustomize.py adds inspect.markcoroutinefunction.
    # extras-6.1: trixie's pure-Python redis-py 6, psycopg 3 and typing-extensions (bookworm's are too old for 6.x).
    export PYTHONPATH="$DJNEWER/py311shim:$DJNEWER/$DJ_DJANGO/root/usr/lib/python3/dist-packages:$DJNEWER/asgiref-3.12/usr/lib/python3/dist-packages:$DJNEWER/extras-6.1/python3-redis/usr/lib/python3/dist-packages:$DJNEWER/extras-6.1/python3-psycopg/usr/lib/python3/dist-packages:$DJNEWER/extras-6.1/python3-typing-extensions/usr/lib/python3/dist-packages${PYTHONPATH:+:$PYTHONPATH}" ;;
  *) echo "DJ_DJANGO must be 3.2, 4.2, 5.2 or 6.1" >&2; return 1 2>/dev/null || exit 1 ;;
esac
if [ "$DJ_DJANGO" != 3.2 ] && [ ! -d "$DJNEWER/$DJ_DJANGO/root" ]; then
  echo "Django $DJ_DJANGO is not under $DJNEWER: run newer-django.sh first" >&2
  return 1 2>/dev/null || exit 1
fi
