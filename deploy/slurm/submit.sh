#!/bin/bash
# usage: INPUT=/shared/laion/embeddings PARTS=/shared/dagr-parts ./submit.sh [extra sbatch options]
# Queues the array of parts, then the merge once every part has succeeded.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
: "${INPUT:?set INPUT}" "${PARTS:?set PARTS}"
export INPUT PARTS
array=$(sbatch --parsable "$@" "$here/dagr-array.sbatch")
merge=$(sbatch --parsable --dependency=afterok:"$array" "$here/dagr-merge.sbatch")
echo "parts: job $array, merge: job $merge; report: $PARTS/report.html"
