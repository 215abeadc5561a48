/** Usage text of `dagr merge` and of the partial-summary flags of `dagr inspect` (DESIGN.md 2c). */

export const PARTIAL_HELP_LINES = `  --partial OUT.json                   write an exact, mergeable summary of this part instead of a
                                       report (merge the parts with dagr merge)
  --shard I/N                          with --partial: part I (0-based) of N; without it the part
                                       comes from JOB_COMPLETION_INDEX (Kubernetes), SLURM_ARRAY_TASK_ID
                                       (Slurm) or AWS_BATCH_JOB_ARRAY_INDEX (AWS Batch)
  --shards N                           the part count where the scheduler does not export it
                                       (Kubernetes, AWS Batch; or set DAGR_SHARD_COUNT)
  --stream                             read row blocks and drop them (memory independent of N);
                                       automatic for shard sets and inputs over 256 MiB`;

export const MERGE_HELP_TEXT = `dagr merge PARTS... [--json] [--html OUT.html] [--fail-on warning|error]

The geometry report of partial summaries written by dagr inspect INPUT --partial OUT (one per
part: --shard I/N, or a scheduler's array index). PARTS are files or folders of *.json files.
The report equals the one a single process writes: co-moment metrics (spectra, ranks, CKA,
dead dimensions) to float64 rounding, sampled metrics (dispersive loss, retrieval) exactly,
drift percentiles to within one fine histogram bin (4/65536).

  --json                               print the report JSON on stdout
  --html OUT.html                      also write a self-contained HTML report
  --fail-on warning|error              exit 3 when a warning (of that severity) fires
  --engine auto|onnxruntime|wasm|js, --threads N, --device auto|cpu|cuda
  --threshold-... X                    warning thresholds (default: those the parts were made with)
A shard folder is opened as one dataset: modalities by sub-folder (img_emb/img_emb_0000.npy) or
file-name prefix (img_emb_0000.npy beside text_emb_0000.npy), shards matched by their number.
See deploy/README.md for a Kubernetes Indexed Job and a Slurm job array.
`;
