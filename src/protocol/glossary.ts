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
    tooltip: '|A ∩ B| / |A ∪ B| of a row’s k nearest neighbours (cosine, itself excluded) in the two checkpoints: 1 = same neighbours, 0 = all new.',
  },
  partnerRank: {
    label: 'Partner rank',
    knownAs: 'rank of the true match',
    tooltip: 'where the same row of the other modality ranks among all its rows by cosine to the query (1 = nearest; ties count in its favour).',
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
