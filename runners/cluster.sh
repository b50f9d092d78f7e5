#!/usr/bin/env bash
# Across a SLURM cluster: the default run (or any bench_all arguments after
# --) as one job array, a whole node per task, result files into one shared
# folder, then the gallery of that folder. Run on a login node, in a
# checkout every node can reach; see runners/tools/cluster.py --help.
#   runners/cluster.sh --results ~/locality-results --partition a,b [-- --quick]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
LOCALITY_BENCH_ALL="${LOCALITY_BENCH_ALL:-$LOCALITY_BUILD/bench_all}" \
  exec "$LOCALITY_VENV/bin/python" "$LOCALITY_ROOT/runners/tools/cluster.py" "$@"
