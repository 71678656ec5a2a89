#!/bin/sh
# Print the path of a Python >= 3.12 interpreter, or fail with a clear message.
# PySide6 6.12 aborts on Python <= 3.11 (see docs/../DESIGN), so older ones are refused.
ok() { "$1" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' 2>/dev/null; }
want=""
[ -f .python-version ] && want=$(head -n 1 .python-version)
for cand in \
    "${PYTHON:-}" \
    "${PYENV_ROOT:-$HOME/.pyenv}/versions/$want/bin/python" \
    python3.13 python3.12 python3; do
    [ -n "$cand" ] || continue
    path=$(command -v "$cand" 2>/dev/null) || continue
    if ok "$path"; then echo "$path"; exit 0; fi
done
for dir in "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.1[2-9]*; do
    [ -x "$dir/bin/python" ] && ok "$dir/bin/python" && { echo "$dir/bin/python"; exit 0; }
done
echo "error: no Python >= 3.12 found (PySide6 6.12 needs it). Install one, or set PYTHON=/path/to/python3.12." >&2
exit 1
