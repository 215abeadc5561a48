/**
 * Is a checkpoint a model's weights or a set of paired embeddings (DESIGN.md section 3)? Decided
 * from the header alone (names, dtypes, shapes), so a view or `dagr inspect` picks the right
 * report before reading any values. The user can always override it (`--as`, "Analyze as ...").
 */
import type { CheckpointKind } from '../../protocol/weights';

export interface TensorHeader {
  name: string;
  dtype: string;
  shape: readonly number[];
}

const FLOAT = new Set(['float64', 'float32', 'float16', 'bfloat16']);
/** parts of a name that only model parameters have */
const WEIGHT_WORDS =
  /(^|[._])(weight|bias|running_mean|running_var|num_batches_tracked|layers?|attn|attention|self_attn|mlp|ffn|conv\d*|layer_?norm|ln_\w+|blocks?|encoder|decoder|lm_head|dense|proj|q_proj|k_proj|v_proj|o_proj|embed_tokens|wte|wpe)([._]|$)/i;

export function detectCheckpointKind(tensors: readonly TensorHeader[]): { kind: CheckpointKind; reason: string } {
  if (tensors.some((t) => t.name.endsWith('.embeddings'))) {
    return { kind: 'embeddings', reason: 'it has "<name>.embeddings" arrays' };
  }
  const floats = tensors.filter((t) => FLOAT.has(t.dtype));
  const weighty = floats.filter((t) => WEIGHT_WORDS.test(t.name));
  if (weighty.length > 0 && weighty.length * 2 >= floats.length) {
    return {
      kind: 'weights',
      reason: `${weighty.length} of its ${floats.length} float tensors have parameter names (e.g. ${weighty[0]?.name ?? ''})`,
    };
  }
  const high = floats.filter((t) => t.shape.length >= 3);
  if (high.length > 0) return { kind: 'weights', reason: `it has float tensors of 3 or more dimensions (e.g. ${high[0]?.name ?? ''})` };
  const matrices = floats.filter((t) => t.shape.length === 2);
  const rows = new Set(matrices.map((t) => t.shape[0]));
  if (rows.size > 1) {
    return {
      kind: 'weights',
      reason: `its 2-D float arrays have no common row count (${rows.size} different ones), so they are not paired embeddings`,
    };
  }
  const vectors = floats.filter((t) => t.shape.length === 1);
  if (vectors.length > 0 && vectors.length >= matrices.length) {
    return { kind: 'weights', reason: `it has as many 1-D float tensors (biases, norms) as matrices` };
  }
  if (matrices.length === 0) return { kind: 'embeddings', reason: 'it has no 2-D float arrays (nothing to analyse as weights either)' };
  return { kind: 'embeddings', reason: `its ${matrices.length} 2-D float array${matrices.length > 1 ? 's share' : ' has'} one row count` };
}
