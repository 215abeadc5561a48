/**
 * From numbers to samples (issue 12): the JSON shapes of neighbour lists (`dagr neighbors`, the
 * neighbours panel), movers (`dagr compare --movers`, the compare view) and per-class geometry
 * (`classes` in `dagr inspect --json`). Field names are public API: never rename, only add.
 * No vscode, DOM or node imports here: host, compute process and webview all import this file.
 */

/** One neighbour: the row index, its cosine similarity to the query, its label (null without labels). */
export interface NeighborRow {
  row: number;
  similarity: number;
  label: number | null;
}

/** The k nearest rows of one modality to the query row (in its own modality the query is left out). */
export interface NeighborList {
  modality: string;
  /** similarity descending; equal similarities in ascending row order */
  neighbors: NeighborRow[];
  /**
   * in a paired modality: where the query's true partner (the same row) ranks among all rows by
   * cosine to the query, 1 = nearest (ties count in its favour); null in the query's own modality
   */
  partnerRank: number | null;
  partnerSimilarity: number | null;
  /** why a modality has no list (widths differ), or '' */
  note: string;
}

export interface NeighborsResult {
  source: string;
  query: { modality: string; row: number; label: number | null };
  k: number;
  /** the query's own modality first, then each paired one */
  lists: NeighborList[];
  /** the label array's name, when labels were found */
  labels?: string;
  seconds: number;
}

/** What the compute process (or the CLI) is asked: rows by index, or the first row with a label. */
export interface NeighborsParams {
  path: string;
  modality: string;
  /** one of row / label */
  row?: number;
  label?: number;
  k: number;
  /** the modalities to search besides the query's own: absent = every other one of the same width */
  in?: string[];
  /** false: leave out the query's own modality (the CLI's --in B lists only B) */
  own?: boolean;
  /** the modality arrays to read, as for inspect (absent = the automatic choice) */
  modalities?: string[];
}

/** One row of the movers list. */
export interface MoverRow {
  row: number;
  /** |kNN_A ∩ kNN_B| / |kNN_A ∪ kNN_B| of the row's k nearest neighbours in the two checkpoints */
  jaccard: number;
  label: number | null;
  modality: string;
}

/** Per modality: the movers summary the compare view shows. */
export interface MoversSummary {
  modality: string;
  /** neighbours per set */
  k: number;
  /** rows compared (all rows, or a seeded sample) */
  rows: number;
  sampled: boolean;
  meanJaccard: number;
  /** edges has bins+1 entries on [0, 1]; counts has bins entries */
  histogram: { edges: number[]; counts: number[] };
  /** the rows whose neighbourhoods changed most (lowest overlap first) */
  mostChanged: MoverRow[];
  /** the rows whose neighbourhoods changed least (highest overlap first) */
  leastChanged: MoverRow[];
  note: string;
}

/** Per-class numbers of one modality. */
export interface ClassModality {
  /** RankMe of the class's rows (uncentred), as the report's effectiveRank */
  effectiveRank: number;
  effectiveRankCentered: number;
  /** mean cosine over pairs of the class's rows; null for a class of one row */
  meanCosine: number | null;
}

export interface ClassPair {
  a: string;
  b: string;
  /** mean of d_i = ||ẑ_i^a − ẑ_i^b||² over the class's rows (alignment, Wang & Isola) */
  driftMean: number;
  /** share of the class's queries in a whose partner in b ranks first (gallery: the report's retrieval rows); null when none sampled */
  r1: number | null;
  /** the same, b to a */
  r1BToA: number | null;
  /** the class's rows among the retrieval rows */
  retrievalRows: number;
}

export interface ClassReport {
  label: number;
  count: number;
  modalities: Record<string, ClassModality>;
  /** pairs of the same width among the report's pairs */
  pairs: ClassPair[];
}

/** Default share of the median class's effective rank below which a class counts as collapsed. */
export const DEFAULT_CLASS_COLLAPSE = 0.25;
/** classes with fewer rows than this take no part in the class-collapse warning (their rank is bounded by their count) */
export const MIN_CLASS_ROWS = 10;
