/**
 * Names users know: one place for the words the UI, the CLI and the docs put next to a metric,
 * tying our names to the papers and code users compare numbers with (issue 12, item 6). Tooltips
 * (webview), CLI help and the README quote these strings, so they cannot drift apart.
 * No vscode, DOM or node imports: host, compute process and webview all import this file.
 */

export interface GlossaryEntry {
  /** our name, as the report and the views show it */
  label: string;
  /** the name in the literature, when there is one users search for */
  knownAs: string;
  /** one or two sentences for a tooltip: what it is and how it relates to the known name */
  tooltip: string;
}

/**
 * Keys are the report's field names (ModalityReport / PairReport / DriftStats), so a view looks a
 * metric's entry up by the field it shows.
 */
export const GLOSSARY = {
  dispersiveLoss: {
    label: 'Dispersive loss',
    knownAs: 'uniformity (Wang & Isola 2020)',
    tooltip:
      'log of the mean of exp(−t·‖ẑᵢ − ẑⱼ‖²) over pairs i ≠ j of L2-normalized rows; lower = more spread out. ' +
      'With t = 2 (the default) it is the uniformity loss of Wang & Isola 2020 (their t); with all N² pairs it is the Dispersive Loss of Wang & He 2025 (τ = 1/t).',
  },
  driftMean: {
    label: 'Drift mean',
    knownAs: 'alignment (Wang & Isola 2020, α = 2)',
    tooltip:
      'mean over rows of ‖ẑᵢᵃ − ẑᵢᵇ‖², the squared distance between a sample’s two normalized embeddings; in [0, 4], lower = better aligned. ' +
      'It is the alignment loss of Wang & Isola 2020 with α = 2.',
  },
  effectiveRank: {
    label: 'Effective rank',
    knownAs: 'RankMe (Garrido et al. 2023), uncentred',
    tooltip:
      'exp of the entropy of the normalized singular values of the raw (uncentred) embeddings: RankMe as Garrido et al. 2023 define it. ' +
      'Code that centres first computes the centred variant, which differs most when the rows share a large common mean.',
  },
  effectiveRankCentered: {
    label: 'Effective rank (centred)',
    knownAs: 'centred variant of RankMe',
    tooltip:
      'the same entropy of singular values after subtracting the column mean: the centred variant some papers and libraries report as “effective rank”. ' +
      'Compare it with RankMe (uncentred) before comparing numbers across code bases.',
  },
  stableRank: {
    label: 'Stable rank',
    knownAs: 'stable (numerical) rank',
    tooltip: '‖Z‖_F² / σ_max²: how many directions carry energy comparable to the largest one.',
  },
  meanCosine: {
    label: 'Mean cosine',
    knownAs: 'mean pairwise cosine similarity',
    tooltip: 'mean cosine similarity over pairs i ≠ j; near 1 means every row points the same way (complete collapse).',
  },
  anchoringLoss: {
    label: 'Anchoring loss',
    knownAs: 'DAGR anchoring term',
    tooltip: 'mean over rows of the hinge max(0, ‖ẑᵢᵃ − ẑᵢᵇ‖² − τ): drift beyond the τ band, which the DAGR regularizer penalizes.',
  },
  modalityGap: {
    label: 'Modality gap',
    knownAs: 'modality gap (Liang et al. 2022)',
    tooltip: 'distance between the means of the two modalities’ normalized embeddings, as Liang et al. 2022 define it.',
  },
  linearCka: {
    label: 'Linear CKA',
    knownAs: 'linear CKA (Kornblith et al. 2019)',
    tooltip: 'similarity of the two modalities’ representations up to rotation and scale, in [0, 1] (Kornblith et al. 2019).',
  },
  r1: {
    label: 'R@1',
    knownAs: 'recall at 1 (cross-modal retrieval)',
    tooltip: 'share of queries whose true partner is the most similar row of the other modality by cosine.',
  },
  jaccard: {
    label: 'Neighbourhood overlap',
    knownAs: 'Jaccard overlap of k-NN sets',
    tooltip:
      '|A ∩ B| / |A ∪ B| of a row’s k nearest neighbours (cosine, itself excluded) in the two checkpoints: 1 = same neighbours, 0 = all new.',
  },
  partnerRank: {
    label: 'Partner rank',
    knownAs: 'rank of the true match',
    tooltip:
      'where the same row of the other modality ranks among all its rows by cosine to the query (1 = nearest; ties count in its favour).',
  },
} as const satisfies Record<string, GlossaryEntry>;

export type GlossaryKey = keyof typeof GLOSSARY;

/** "Dispersive loss (uniformity, Wang & Isola 2020)": our name with the known one, for headers and help. */
export function knownName(key: GlossaryKey): string {
  const e: GlossaryEntry = GLOSSARY[key];
  return `${e.label} (${e.knownAs})`;
}

/** the tooltip with the dispersive temperature filled in, when the view knows t */
export function dispersiveTooltip(t: number): string {
  return `${GLOSSARY.dispersiveLoss.tooltip} This report uses t = ${t}.`;
}

/**
 * What a reader needs beside a metric's name (issue 14, item 4): its range, what a healthy value
 * looks like, and the words for the view's tooltips; keys are the report's field names as in
 * GLOSSARY. `definition` repeats nothing from GLOSSARY: a tooltip shows both.
 */
export interface MetricHelp {
  label: string;
  definition: string;
  range: string;
  healthy: string;
  /** names in papers and code, when GLOSSARY has no entry for the metric */
  knownAs?: string;
}

export const METRIC_HELP: Record<string, MetricHelp> = {
  effectiveRank: {
    label: 'Effective rank',
    definition: 'how many directions the rows really use',
    range: '1 to min(N, d)',
    healthy: 'a large share of min(N, d); below 10% is dimensional collapse',
  },
  effectiveRankCentered: {
    label: 'Effective rank (centred)',
    definition: 'effective rank after removing the mean row',
    range: '1 to min(N, d)',
    healthy: 'close to the uncentred value; far below it means one shared direction dominates',
  },
  stableRank: {
    label: 'Stable rank',
    definition: 'energy in all directions relative to the largest',
    range: '1 to min(N, d)',
    healthy: 'well above 1; 1 means one direction holds everything',
  },
  dispersiveLoss: {
    label: 'Dispersive loss',
    definition: 'how close the normalized rows sit to each other',
    range: '−4t to 0 (t = dispersive temperature)',
    healthy: 'well below 0 (about −3.7 for spread-out rows at t = 2); near 0 means collapsed',
  },
  meanCosine: {
    label: 'Mean cosine',
    definition: 'average cosine between different rows',
    range: '−1 to 1',
    healthy: 'near 0; above 0.9 is complete collapse',
  },
  deadDimensionFraction: {
    label: 'Dead dimensions',
    definition: 'share of embedding dimensions whose variance is below 1e-8',
    range: '0% to 100%',
    healthy: '0%; above 20% warns',
    knownAs: 'dead / inactive units',
  },
  anchoringLoss: {
    label: 'Anchoring loss',
    definition: 'mean hinge on drift beyond τ',
    range: '0 to 4 − τ',
    healthy: '0 or near it for modalities that should share a space',
  },
  fractionBeyondTau: {
    label: 'Drift beyond τ',
    definition: 'share of paired rows whose squared distance exceeds τ',
    range: '0% to 100%',
    healthy: 'low for modalities meant to share a space; above 50% warns',
    knownAs: 'alignment violations',
  },
  driftMean: {
    label: 'Drift mean',
    definition: 'mean squared distance between a row’s two normalized embeddings',
    range: '0 to 4 (2 = unrelated)',
    healthy: 'well below 2 for modalities meant to share a space',
  },
  modalityGap: {
    label: 'Modality gap',
    definition: 'distance between the two modalities’ mean normalized embeddings',
    range: '0 to 2',
    healthy: 'small (below 0.5 here) for a shared space',
  },
  linearCka: {
    label: 'Linear CKA',
    definition: 'similarity of the two representations up to rotation and scale',
    range: '0 to 1',
    healthy: 'high (near 1) for modalities describing the same content',
  },
  r1: {
    label: 'R@1',
    definition: 'share of queries whose partner is the nearest row of the other modality',
    range: '0% to 100%; chance = 1 / N',
    healthy: 'far above chance; at chance the spaces are not shared',
    knownAs: 'recall@1, top-1 retrieval accuracy',
  },
  r5: {
    label: 'R@5',
    definition: 'share of queries whose partner is among the 5 nearest rows',
    range: '0% to 100%; chance = 5 / N',
    healthy: 'far above chance',
    knownAs: 'recall@5',
  },
  r10: {
    label: 'R@10',
    definition: 'share of queries whose partner is among the 10 nearest rows',
    range: '0% to 100%; chance = 10 / N',
    healthy: 'far above chance',
    knownAs: 'recall@10',
  },
  medianRank: {
    label: 'Median rank',
    definition: 'median position of the true partner among all rows (1 = nearest)',
    range: '1 to N; chance = (N + 1) / 2',
    healthy: 'near 1',
    knownAs: 'MedR',
  },
};
