/**
 * What a tensor's name says about it: its module path, its layer index (depth charts put it on
 * the x axis), its role in the layer (one chart series per role) and whether it is an embedding
 * table. Names follow the common Hugging Face / PyTorch conventions (BERT, GPT-2, LLaMA, T5, ViT,
 * torchvision); anything else is role "other", layer null. Pure string work, no numbers.
 */

/** Names of token/item embedding tables in common models (issue 9: word_embeddings, embed_tokens, wte, tok_embeddings, token_embedding). */
const EMBEDDING_TABLE =
  /(^|\.)(word_embeddings|embed_tokens|wte|tok_embeddings|token_embedding|token_embeddings|tok_embedding|word_embedding|embed_in|shared)(\.weight)?$/i;
const POSITION =
  /(^|\.)(position_embeddings?|wpe|pos_embed(ding)?s?|positional_embedding|embed_positions|token_type_embeddings|rel_pos\w*)(\.weight)?$/i;

export function modulePath(name: string): string {
  const i = name.lastIndexOf('.');
  return i < 0 ? '' : name.slice(0, i);
}

/** The first dot-separated part that is a whole number: "model.layers.3.mlp.up_proj.weight" -> 3. */
export function layerIndex(name: string): number | null {
  for (const part of name.split('.')) {
    if (/^\d{1,6}$/.test(part)) return Number(part);
  }
  return null;
}

export function isEmbeddingTableName(name: string): boolean {
  return EMBEDDING_TABLE.test(name);
}

/** Ordered: the first rule that matches decides (attention output before the MLP's "output.dense"). */
const ROLES: [string, RegExp][] = [
  ['position', POSITION],
  ['embedding', EMBEDDING_TABLE],
  ['norm', /(^|[._])(layer_?norm|ln_?\w*|norm\w*|rms_?norm|batch_?norm|bn\d*|group_?norm)(\.|$)/i],
  ['qkv', /(^|\.)(c_attn|qkv(_proj)?|query_key_value|in_proj(_weight|_bias)?|wqkv|Wqkv)(\.|$)/],
  ['q', /(^|\.)(q_proj|query|wq|to_q|q_lin|q)(\.|$)/i],
  ['k', /(^|\.)(k_proj|key|wk|to_k|k_lin|k)(\.|$)/i],
  ['v', /(^|\.)(v_proj|value|wv|to_v|v_lin|v)(\.|$)/i],
  [
    'o',
    /(attention\.output\.dense|attn\.c_proj|attn\.out_proj|self_attn\.o_proj|(^|\.)(o_proj|out_proj|wo|to_out(\.\d+)?|out_lin|o))(\.|$)/i,
  ],
  ['gate', /(^|\.)(gate_proj|w1|wi_0)(\.|$)/i],
  ['up', /(^|\.)(up_proj|intermediate\.dense|fc1|c_fc|fc_in|w3|wi_1|wi|dense_h_to_4h|lin1)(\.|$)/i],
  ['down', /(^|\.)(down_proj|output\.dense|fc2|mlp\.c_proj|fc_out|w2|dense_4h_to_h|lin2)(\.|$)/i],
  ['head', /(^|\.)(lm_head|classifier|pooler|cls|head|score|qa_outputs)(\.|$)/i],
];

/** The role of a tensor in its layer; `ndim` tells conv kernels and biases apart. */
export function tensorRole(name: string, ndim: number): string {
  if (ndim === 1 && /(^|\.)bias$/i.test(name)) return 'bias';
  for (const [role, re] of ROLES) if (re.test(name)) return role;
  if (ndim >= 3) return 'conv';
  if (ndim === 1 && /(^|\.)bias$/i.test(name)) return 'bias';
  return 'other';
}
