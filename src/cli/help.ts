/** Usage texts. Kept in one place so `--help` and the README can be checked against each other. */
import { DEFAULT_MAX_PAIRS, DEFAULT_OPTIONS, DEFAULT_THRESHOLDS } from '../protocol/report';
import { MOVERS_HELP } from './neighbors-cmd';
import { PARTIAL_HELP_LINES } from './merge-help';

const thresholdLines = (Object.entries(DEFAULT_THRESHOLDS) as [string, number][])
  .map(([k, v]) => `  --threshold-${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} X`.padEnd(40) + `default ${v}`)
  .join('\n');

export const INSPECT_HELP = `dagr inspect FILE|FOLDER [options]

Geometry report of one checkpoint (.safetensors, .npz, .npy, .json, a folder of .npy, PyTorch
.pt/.pth/.bin/.ckpt, a sharded Hugging Face set by its .index.json or any shard, .parquet), or a
timeline of a run folder (one checkpoint per epoch).

  --modalities a,b                     arrays to use (default: every 2-D float array)
  --tau X                              anchoring margin / drift band (default ${DEFAULT_OPTIONS.tau})
  --t X                                dispersive loss temperature (default ${DEFAULT_OPTIONS.t})
  --pairs offdiag|all                  dispersive loss pairs (default ${DEFAULT_OPTIONS.pairs})
  --hinge linear|squared               anchoring hinge (default ${DEFAULT_OPTIONS.hinge})
  --max-pairwise-rows N                sample for O(N^2) metrics, 0 = all rows (default ${DEFAULT_OPTIONS.maxPairwiseRows})
  --max-pairs N                        pair metrics for every pair of modalities while there are at
                                       most N pairs (default ${DEFAULT_MAX_PAIRS}, all pairs of 8 modalities); beyond
                                       that, each modality paired with the first (M - 1 pairs)
  --pairs-of "a,b;c,d"                 exactly these pairs instead: "a,b" is one pair, "a" alone
                                       every pair of a; items split by ";" or repeated flags
  --engine auto|onnxruntime|wasm|js|tfjs
                                       metric engine: auto = in-process WebAssembly (wasm) for a
                                       small file, where onnxruntime's start would cost more than
                                       the arithmetic, else onnxruntime (default auto)
  --threads N                          engine threads (default: the engine's choice)
  --device auto|cpu|cuda|webgpu        onnxruntime device: auto = CUDA when installed and usable,
                                       else WebGPU where an adapter exists, else CPU with the
                                       reason in the engine note (default auto)
  --json                               print the report JSON on stdout
  --html OUT.html                      also write a self-contained HTML report
  --fail-on warning|error              exit 3 when a warning (of that severity) fires
${PARTIAL_HELP_LINES}
Which pairs were computed and why is in the report (JSON: pairSelection); members that could
not be read (strings, pickled objects, F8 tensors) are listed as skipped (JSON: skipped).
Warning thresholds:
${thresholdLines}
`;

export const COMPARE_HELP = `dagr compare A B [--json] [--html OUT.html] [inspect options]

Reports of two checkpoints and the change (B - A) of every metric. --fail-on looks at B.

${MOVERS_HELP}
`;

export const WATCH_HELP = `dagr watch RUN_DIR [--json-lines] [--fail-on warning|error] [--timeout S] [options]

Follows a run folder while training writes it: one row (or, with --json-lines, one JSON object:
epoch, file, per-modality and per-pair metrics, warnings) per checkpoint as it lands, those
already there first. Files still being written are waited for, never reported as broken: temporary
names (*.tmp, *.partial, *-tmp*, dot-files), a size that is still changing, a safetensors or npy
header (or a zip directory) that promises more bytes than exist yet. A file that stays incomplete
and unchanged past --grace is reported once. Deleted and replaced checkpoints are shown.

  --json-lines                 one JSON object per line per event (checkpoint, replaced, removed, stalled, failed)
  --fail-on warning|error      exit 3 at the first checkpoint with a warning (of that severity), naming
                               its epoch and the warning, so a training script can stop itself
  --timeout S                  stop after S seconds: exit 0 (3 if --fail-on fired)
  --interval S                 seconds between looks at the folder (default 2)
  --grace S                    seconds a file may stay incomplete and unchanged before it is reported (default 30)
  and the metric and threshold options of dagr inspect (--tau, --modalities, --threshold-..., --engine, ...).
Ctrl-C stops it with exit 130.
`;

export const EMBED_HELP = `dagr embed MODEL.onnx --input X.npy --out EMB.safetensors [options]

Runs an ONNX encoder over the input rows in batches and writes the embeddings.
An existing output file is never overwritten.

  --batch-size N        rows per batch (default 256)
  --array NAME          input array, when the input file has several
  --input-name NAME     model input (default: the model's first input)
  --output-name NAME    model output (default: the model's first output)
  --name NAME           tensor name in the output file (default "embeddings")
  --json                print {out, rows, dim} as JSON
`;

export const ENGINE_HELP = `dagr engine [--engine auto|onnxruntime|wasm|js|tfjs] [--threads N] [--device auto|cpu|cuda|webgpu] [--json]

Prints the engine the metrics run on here: name, device, threads, and why the GPU is not used
when it is not. --device cuda (or webgpu) exits 2 where onnxruntime's CUDA provider (or a
WebGPU adapter) cannot be used, with the reason.
`;

export const MAIN_HELP = `dagr: geometry diagnostics of multimodal embeddings

Usage:
  dagr inspect FILE|FOLDER [options]   report of a checkpoint, or timeline of a run folder
  dagr compare A B [options]           two checkpoints and the change of every metric
  dagr neighbors FILE --modality A --row I [--in B] [--k K]   the K nearest rows of one row
  dagr merge PARTS... [--json|--html]  report of the partial summaries of dagr inspect --partial
  dagr watch RUN_DIR [options]         follow a run folder while it is written: a row per checkpoint
  dagr embed MODEL.onnx --input X.npy --out EMB.safetensors [--batch-size N]
  dagr engine                          print the engine in use (name, device, threads)
  dagr train CONFIG.json               fine-tune with the DAGR regularizer (TensorFlow.js)
  dagr sweep CONFIG.json               grid of (lambda, tau) and the Pareto front
  dagr COMMAND --help                  options of a command
  dagr --version

Exit codes (every command): 0 fine, 1 a training or sweep run failed, 2 bad input or usage,
3 a warning fired with --fail-on, 130 cancelled with Ctrl-C.
Set DAGR_DEBUG=1 to see the stack of an unexpected error. On Linux, inputs of 32 MiB or more are
computed in a child process with glibc's huge pages and a heap that keeps freed tiles where page
faults are dear on the machine (measured first); DAGR_HUGE_PAGES=1 always, DAGR_HUGE_PAGES=0 never.
`;
