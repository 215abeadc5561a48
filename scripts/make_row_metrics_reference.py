#!/usr/bin/env python3
"""Reference per-row metrics of a selection (issue 12 export), from numpy.

Reads test/fixtures/neighbors/a.npz (written by make_neighbors_reference.py: audio row 7 == row 3,
audio row 11 == 2 x row 3, so visual -> audio ranks have exact ties) and writes
test/fixtures/neighbors/row-metrics.json: for chosen rows and pairs a -> b,
  drift         ||a_i/|a_i| - b_i/|b_i|||^2 (DESIGN.md section 2, norms floored at 1e-12)
  partnerCosine cosine of a_i with b_i
  partnerRank   1 + number of rows j with cos(a_i, b_j) > cos(a_i, b_i) (ties count for the partner)
Cosines are exactly rounded float64 sums (math.fsum) of the float32 values, as in the neighbours reference.
Run: python3 scripts/make_row_metrics_reference.py
"""
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_neighbors_reference import OUT, cosines, unit_rows  # noqa: E402

ROWS = [239, 3, 7, 11, 0, 100, 57, 200]
PAIRS = [('audio', 'visual'), ('visual', 'audio'), ('audio', 'text')]


def main():
    z = np.load(os.path.join(OUT, 'a.npz'))
    out = {'rows': ROWS, 'pairs': []}
    for a, b in PAIRS:
        if z[a].shape[1] != z[b].shape[1]:
            out['pairs'].append({'a': a, 'b': b, 'skipped': True})
            continue
        ua, ub = unit_rows(z[a]), unit_rows(z[b])
        drift, cos, rank = [], [], []
        for i in ROWS:
            sims = cosines(z[a][i], z[b])
            drift.append(float(((ua[i] - ub[i]) ** 2).sum()))
            cos.append(float(sims[i]))
            rank.append(1 + int(np.sum(sims > sims[i])))
        out['pairs'].append({'a': a, 'b': b, 'drift': drift, 'partnerCosine': cos, 'partnerRank': rank})
    with open(os.path.join(OUT, 'row-metrics.json'), 'w') as f:
        json.dump(out, f, indent=1)
    print('wrote', os.path.join(OUT, 'row-metrics.json'))


if __name__ == '__main__':
    main()
