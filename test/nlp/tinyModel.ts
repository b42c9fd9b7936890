/**
 * Builds a tiny transformers.js-loadable encoder folder in plain JS, for tests:
 *   config.json, tokenizer.json, tokenizer_config.json, onnx/model.onnx
 * The ONNX graph is an embedding lookup masked by attention_mask:
 *   last_hidden_state = Gather(E, input_ids) * Unsqueeze(Cast(attention_mask))
 * encoded by hand in protobuf wire format (no protobuf library needed).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

// ---- minimal protobuf writer -----------------------------------------------------------------

function varint(n: number | bigint): number[] {
  let v = BigInt.asUintN(64, BigInt(n));
  const out: number[] = [];
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v > 0n) b |= 0x80;
    out.push(b);
  } while (v > 0n);
  return out;
}
const key = (field: number, wire: number) => varint((field << 3) | wire);
const fInt = (field: number, n: number | bigint) => [...key(field, 0), ...varint(n)];
const fBytes = (field: number, bytes: ArrayLike<number>) => [...key(field, 2), ...varint(bytes.length), ...Array.from(bytes)];
const fStr = (field: number, s: string) => fBytes(field, Buffer.from(s, 'utf8'));
const fMsg = (field: number, parts: number[]) => fBytes(field, parts);

const FLOAT = 1;
const INT64 = 7;

function tensorType(elem: number, dims: Array<number | string>): number[] {
  const shape = dims.flatMap((d) => fMsg(1, typeof d === 'number' ? fInt(1, d) : fStr(2, d)));
  return fMsg(1, [...fInt(1, elem), ...fMsg(2, shape)]);
}
const valueInfo = (name: string, elem: number, dims: Array<number | string>) => [...fStr(1, name), ...fMsg(2, tensorType(elem, dims))];

function node(op: string, inputs: string[], outputs: string[], name: string, attrs: number[][] = []): number[] {
  return [...inputs.flatMap((i) => fStr(1, i)), ...outputs.flatMap((o) => fStr(2, o)), ...fStr(3, name), ...fStr(4, op), ...attrs.flatMap((a) => fMsg(5, a))];
}
const attrInt = (name: string, v: number) => [...fStr(1, name), ...fInt(3, v), ...fInt(20, 2)];
const attrInts = (name: string, vs: number[]) => [...fStr(1, name), ...vs.flatMap((v) => fInt(8, v)), ...fInt(20, 7)];

function floatTensor(name: string, dims: number[], values: Float32Array): number[] {
  const raw = Buffer.from(values.buffer, values.byteOffset, values.byteLength);
  return [...dims.flatMap((d) => fInt(1, d)), ...fInt(2, FLOAT), ...fStr(8, name), ...fBytes(9, raw)];
}

export function buildOnnxModel(vocabSize: number, hidden: number, seed = 1): Buffer {
  // Deterministic pseudo-random embedding table.
  let s = seed >>> 0;
  const rand = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296 - 0.5;
  };
  const table = new Float32Array(vocabSize * hidden);
  for (let i = 0; i < table.length; i++) table[i] = rand();
  const graph = [
    ...fMsg(1, node('Gather', ['embeddings', 'input_ids'], ['emb'], 'gather', [attrInt('axis', 0)])),
    ...fMsg(1, node('Cast', ['attention_mask'], ['mask_f'], 'cast', [attrInt('to', FLOAT)])),
    ...fMsg(1, node('Unsqueeze', ['mask_f'], ['mask_3d'], 'unsqueeze', [attrInts('axes', [2])])),
    ...fMsg(1, node('Mul', ['emb', 'mask_3d'], ['last_hidden_state'], 'mul')),
    ...fStr(2, 'tiny_encoder'),
    ...fMsg(5, floatTensor('embeddings', [vocabSize, hidden], table)),
    ...fMsg(11, valueInfo('input_ids', INT64, ['batch_size', 'sequence_length'])),
    ...fMsg(11, valueInfo('attention_mask', INT64, ['batch_size', 'sequence_length'])),
    ...fMsg(12, valueInfo('last_hidden_state', FLOAT, ['batch_size', 'sequence_length', hidden])),
  ];
  const model = [
    ...fInt(1, 7), // ir_version
    ...fStr(2, 'concierge-test'),
    ...fMsg(7, graph),
    ...fMsg(8, [...fStr(1, ''), ...fInt(2, 11)]), // opset 11: Unsqueeze takes axes as an attribute
  ];
  return Buffer.from(model);
}

// ---- tokenizer ----------------------------------------------------------------------------------

const SPECIALS = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'];

export function buildTokenizer(words: string[]): { tokenizer: object; vocab: Record<string, number> } {
  const vocab: Record<string, number> = {};
  for (const t of [...SPECIALS, ...words]) if (!(t in vocab)) vocab[t] = Object.keys(vocab).length;
  const special = (content: string) => ({ id: vocab[content], content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true });
  const tokenizer = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: SPECIALS.map(special),
    normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: true },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: {
      type: 'TemplateProcessing',
      single: [{ SpecialToken: { id: '[CLS]', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '[SEP]', type_id: 0 } }],
      pair: [
        { SpecialToken: { id: '[CLS]', type_id: 0 } },
        { Sequence: { id: 'A', type_id: 0 } },
        { SpecialToken: { id: '[SEP]', type_id: 0 } },
        { Sequence: { id: 'B', type_id: 1 } },
        { SpecialToken: { id: '[SEP]', type_id: 1 } },
      ],
      special_tokens: {
        '[CLS]': { id: '[CLS]', ids: [vocab['[CLS]']], tokens: ['[CLS]'] },
        '[SEP]': { id: '[SEP]', ids: [vocab['[SEP]']], tokens: ['[SEP]'] },
      },
    },
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: { type: 'WordPiece', unk_token: '[UNK]', continuing_subword_prefix: '##', max_input_chars_per_word: 100, vocab },
  };
  return { tokenizer, vocab };
}

/** Write a complete tiny model folder at `dir` and return its vocabulary size and hidden size. */
export function writeTinyModel(dir: string, words: string[], hidden = 16): { vocabSize: number; hidden: number } {
  const { tokenizer, vocab } = buildTokenizer(words);
  const vocabSize = Object.keys(vocab).length;
  mkdirSync(join(dir, 'onnx'), { recursive: true });
  writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify(tokenizer));
  writeFileSync(
    join(dir, 'tokenizer_config.json'),
    JSON.stringify({
      tokenizer_class: 'BertTokenizer',
      do_lower_case: true,
      model_max_length: 128,
      cls_token: '[CLS]',
      sep_token: '[SEP]',
      pad_token: '[PAD]',
      unk_token: '[UNK]',
      mask_token: '[MASK]',
    }),
  );
  writeFileSync(
    join(dir, 'config.json'),
    JSON.stringify({ model_type: 'bert', architectures: ['BertModel'], hidden_size: hidden, vocab_size: vocabSize, max_position_embeddings: 128 }),
  );
  writeFileSync(join(dir, 'onnx', 'model.onnx'), buildOnnxModel(vocabSize, hidden));
  return { vocabSize, hidden };
}
