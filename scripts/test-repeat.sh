#!/bin/sh
# Run the whole suite N times in a row (one throwaway PostgreSQL for all runs), each run in a new
# random order; stop at the first failure and say how to replay it with the same seed.
#   usage: scripts/test-repeat.sh N PYTHON [pytest args...]
set -u
n=$1; py=$2; shift 2
i=1
while [ "$i" -le "$n" ]; do
    seed=$("$py" -c 'import random; print(random.randrange(1, 2**31))')
    echo "== run $i of $n: --randomly-seed=$seed"
    if ! "$py" -m pytest -q -p no:cacheprovider -p randomly --randomly-seed="$seed" "$@"; then
        echo "== run $i of $n FAILED. Replay it with the same order:"
        echo "   make test PYTEST_ARGS=\"-p randomly --randomly-seed=$seed\""
        exit 1
    fi
    i=$((i + 1))
done
echo "== $n of $n runs passed"
