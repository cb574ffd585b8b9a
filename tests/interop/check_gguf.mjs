#!/usr/bin/env node
// Reads a GGUF file with Hugging Face's parser (@huggingface/gguf, independent of lowspec's reader)
// and checks it against what llama.cpp's loader requires of a llama, phi2 or gemma model: gguf.cpp's
// layout rules, llama_model::load_hparams' keys, llama_vocab::load's tokenizer keys and
// load_tensors' names and shapes. One line per problem; exit 1 if any, 2 on usage errors.
//   node check_gguf.mjs FILE.gguf [--arch llama|phi2|gemma]
import { statSync } from "node:fs";
import { gguf, GGMLQuantizationType as Q, GGUFValueType as V } from "@huggingface/gguf";

const ARCHS = ["llama", "phi2", "gemma"];

function usage(message) {
  console.error(`check_gguf: ${message}\nusage: node check_gguf.mjs FILE.gguf [--arch ${ARCHS.join("|")}]`);
  process.exit(2);
}

const args = process.argv.slice(2);
let file, expectedArch;
for (let i = 0; i < args.length; ++i) {
  if (args[i] === "--arch") {
    expectedArch = args[++i];
    if (!ARCHS.includes(expectedArch)) usage(`--arch must be one of ${ARCHS.join(", ")}`);
  } else if (args[i].startsWith("-") || file) {
    usage(`unexpected argument "${args[i]}"`);
  } else {
    file = args[i];
  }
}
if (!file) usage("no file given");

// ggml's block size (elements) and block bytes per type (ggml.c type_traits).
const BLOCKS = {
  [Q.F32]: [1, 4], [Q.F16]: [1, 2], [Q.BF16]: [1, 2], [Q.F64]: [1, 8],
  [Q.I8]: [1, 1], [Q.I16]: [1, 2], [Q.I32]: [1, 4], [Q.I64]: [1, 8],
  [Q.Q4_0]: [32, 18], [Q.Q4_1]: [32, 20], [Q.Q5_0]: [32, 22], [Q.Q5_1]: [32, 24],
  [Q.Q8_0]: [32, 34], [Q.Q8_1]: [32, 36],
  [Q.Q2_K]: [256, 84], [Q.Q3_K]: [256, 110], [Q.Q4_K]: [256, 144], [Q.Q5_K]: [256, 176],
  [Q.Q6_K]: [256, 210], [Q.Q8_K]: [256, 292],
};
const typeName = (t) => Q[t] ?? `type ${t}`;
const valueTypeName = (t) => V[t] ?? `type ${t}`;

// general.file_type (llama.cpp's LLAMA_FTYPE_*) -> the matrix type it names, and the types a
// matrix may fall back to when its rows are not whole blocks (k-quants -> Q8_0 -> F16, as
// lowspec's gguf_type_choice.h documents; llama.cpp's own rows of F16 in Q8_0/Q4_0 files).
// `mix`: the Q6_K tensors of llama.cpp's Q4_K_S/Q4_K_M recipes (head, attn_v, ffn_down).
const FILE_TYPES = {
  0: { name: "F32", base: Q.F32, fallbacks: [] },
  1: { name: "F16", base: Q.F16, fallbacks: [] },
  32: { name: "BF16", base: Q.BF16, fallbacks: [] },
  7: { name: "Q8_0", base: Q.Q8_0, fallbacks: [Q.F16] },
  2: { name: "Q4_0", base: Q.Q4_0, fallbacks: [Q.F16] },
  14: { name: "Q4_K_S", base: Q.Q4_K, fallbacks: [Q.Q8_0, Q.F16], mix: /^(output|token_embd)\.weight$/ },
  15: { name: "Q4_K_M", base: Q.Q4_K, fallbacks: [Q.Q8_0, Q.F16],
        mix: /^(output\.weight|token_embd\.weight|blk\.\d+\.(attn_v|ffn_down)\.weight)$/ },
  18: { name: "Q6_K", base: Q.Q6_K, fallbacks: [Q.Q8_0, Q.F16] },
};

const problems = [];
const problem = (msg) => problems.push(msg);

let parsed;
try {
  parsed = await gguf(file, { allowLocalFile: true, typedMetadata: true });
} catch (e) {
  console.log(`${file}: @huggingface/gguf cannot parse it: ${e.message}`);
  process.exit(1);
}
const { metadata, typedMetadata: kv, tensorInfos, tensorDataOffset } = parsed;
const fileSize = BigInt(statSync(file).size);

// --- header ---
if (metadata.version !== 3) problem(`GGUF version ${metadata.version}, expected 3`);
if (metadata.tensor_count !== BigInt(tensorInfos.length))
  problem(`tensor_count ${metadata.tensor_count}, but ${tensorInfos.length} tensor infos`);
const keys = Object.keys(kv).filter((k) => !["version", "tensor_count", "kv_count"].includes(k));
if (metadata.kv_count !== BigInt(keys.length))
  problem(`kv_count ${metadata.kv_count}, but ${keys.length} distinct keys (duplicate keys? llama.cpp rejects them)`);

// A key of one GGUF value type (an array's element type in `sub`); returns its value or undefined.
function key(name, type, { required = true, sub, why = "llama.cpp's loader requires it" } = {}) {
  const e = kv[name];
  if (!e) {
    if (required) problem(`missing key ${name} (${valueTypeName(type)}${sub !== undefined ? ` of ${valueTypeName(sub)}` : ""}): ${why}`);
    return undefined;
  }
  if (e.type !== type || (sub !== undefined && e.subType !== sub)) {
    const want = valueTypeName(type) + (sub !== undefined ? ` of ${valueTypeName(sub)}` : "");
    const got = valueTypeName(e.type) + (e.subType !== undefined ? ` of ${valueTypeName(e.subType)}` : "");
    problem(`key ${name} is ${got}, expected ${want}`);
    return undefined;
  }
  return e.value;
}

// llama.cpp reads these as uint32 or a per-layer array (get_key_or_arr).
function countKey(name) {
  const e = kv[name];
  if (e && e.type === V.ARRAY && (e.subType === V.UINT32 || e.subType === V.INT32)) {
    const values = new Set(e.value.map(Number));
    if (values.size !== 1) problem(`key ${name}: per-layer values ${[...values]} (this check handles one value)`);
    return Number(e.value[0]);
  }
  const v = key(name, V.UINT32);
  return v === undefined ? undefined : Number(v);
}

const alignment = Number(key("general.alignment", V.UINT32, { required: false }) ?? 32);
if (!(alignment > 0 && (alignment & (alignment - 1)) === 0))
  problem(`general.alignment ${alignment} is not a power of two`);

const arch = key("general.architecture", V.STRING);
if (expectedArch && arch !== undefined && arch !== expectedArch)
  problem(`general.architecture "${arch}", expected "${expectedArch}"`);
const a = expectedArch ?? arch;
if (!ARCHS.includes(a)) {
  problem(`general.architecture "${a}" is none of ${ARCHS.join(", ")}: model checks skipped`);
}

key("general.name", V.STRING, { required: false });
key("general.quantization_version", V.UINT32, { required: false });
const fileType = key("general.file_type", V.UINT32, { required: false, why: "" });
const ftype = fileType === undefined ? undefined : FILE_TYPES[fileType];
if (fileType !== undefined && !ftype)
  problem(`general.file_type ${fileType} is none of the types lowspec writes (${Object.keys(FILE_TYPES).join(", ")})`);

// --- tensor layout: gguf.cpp wants tensors in declaration order, each at the running sum of the
// previous sizes padded to the alignment, and the data inside the file ---
const byName = new Map();
let expectedOffset = 0n;
const pad = (n) => ((n + BigInt(alignment) - 1n) / BigInt(alignment)) * BigInt(alignment);
for (const t of tensorInfos) {
  if (byName.has(t.name)) problem(`tensor ${t.name} declared twice`);
  byName.set(t.name, t);
  const block = BLOCKS[t.dtype];
  if (!block) {
    problem(`tensor ${t.name}: ggml type ${typeName(t.dtype)} is not one this check knows`);
    continue;
  }
  if (t.shape.length < 1 || t.shape.length > 4 || t.shape.some((d) => d < 1n))
    problem(`tensor ${t.name}: shape [${t.shape}] (llama.cpp wants 1 to 4 positive dims)`);
  const elements = t.shape.reduce((p, d) => p * d, 1n);
  if (t.shape[0] % BigInt(block[0]) !== 0n)
    problem(`tensor ${t.name}: ne0 ${t.shape[0]} is not a multiple of ${typeName(t.dtype)}'s block of ${block[0]}`);
  const bytes = (elements / BigInt(block[0])) * BigInt(block[1]);
  if (t.offset % BigInt(alignment) !== 0n) problem(`tensor ${t.name}: offset ${t.offset} is not a multiple of the alignment ${alignment}`);
  if (t.offset !== expectedOffset)
    problem(`tensor ${t.name}: offset ${t.offset}, llama.cpp expects ${expectedOffset} (tensors packed in order, each padded to ${alignment})`);
  const end = tensorDataOffset + t.offset + bytes;
  if (end > fileSize) problem(`tensor ${t.name}: data ends at byte ${end}, past the end of the file (${fileSize})`);
  expectedOffset = (t.offset > expectedOffset ? t.offset : expectedOffset) + pad(bytes);
}
if (tensorDataOffset % BigInt(alignment) !== 0n)
  problem(`tensor data starts at ${tensorDataOffset}, not a multiple of ${alignment}`);

if (ARCHS.includes(a)) checkModel(a);

for (const p of problems) console.log(`${file}: ${p}`);
if (problems.length === 0) {
  console.log(`${file}: ok (${a}, ${ftype?.name ?? "no file type"}, ${tensorInfos.length} tensors, ${keys.length} keys)`);
}
process.exit(problems.length ? 1 : 0);

function checkModel(a) {
  // --- hyperparameters (llama_model::load_hparams and the arch's case) ---
  const n_ctx = key(`${a}.context_length`, V.UINT32);
  const E = num(key(`${a}.embedding_length`, V.UINT32));
  const L = num(key(`${a}.block_count`, V.UINT32));
  const F = countKey(`${a}.feed_forward_length`);
  const H = countKey(`${a}.attention.head_count`);
  const Hkv = countKey(`${a}.attention.head_count_kv`);
  if (a === "phi2") key(`${a}.attention.layer_norm_epsilon`, V.FLOAT32);
  else key(`${a}.attention.layer_norm_rms_epsilon`, V.FLOAT32);
  const gemma = a === "gemma";
  const kLen = num(key(`${a}.attention.key_length`, V.UINT32, { required: gemma, why: "gemma's head size is not hidden / heads" }));
  const vLen = num(key(`${a}.attention.value_length`, V.UINT32, { required: gemma, why: "gemma's head size is not hidden / heads" }));
  const rot = num(key(`${a}.rope.dimension_count`, V.UINT32, { why: "llama.cpp's converter writes it" }));
  key(`${a}.rope.freq_base`, V.FLOAT32, { required: false });
  key(`${a}.rope.scaling.type`, V.STRING, { required: false });
  key(`${a}.rope.scaling.factor`, V.FLOAT32, { required: false });
  const vocabSize = num(key(`${a}.vocab_size`, V.UINT32, { required: false }));
  if (n_ctx === 0) problem(`${a}.context_length is 0`);
  for (const [name, v] of [["embedding_length", E], ["block_count", L], ["feed_forward_length", F], ["attention.head_count", H], ["attention.head_count_kv", Hkv]]) {
    if (v === 0) problem(`${a}.${name} is 0`);
  }
  if (E === undefined || L === undefined || F === undefined || !H || !Hkv) return;
  if (H % Hkv !== 0) problem(`${a}.attention.head_count ${H} is not a multiple of head_count_kv ${Hkv}`);
  if (kLen === undefined && E % H !== 0) problem(`${a}.embedding_length ${E} is not a multiple of head_count ${H} and no key_length is given`);
  const hk = kLen ?? Math.floor(E / H), hv = vLen ?? Math.floor(E / H);
  if (rot !== undefined) {
    if (a === "llama" && rot !== hk) problem(`${a}.rope.dimension_count ${rot}, llama.cpp requires the head size ${hk} ("invalid n_rot")`);
    if (rot % 2 !== 0 || rot > hk) problem(`${a}.rope.dimension_count ${rot} must be even and at most the head size ${hk}`);
  }
  if (a === "phi2" && H * hk !== E) problem(`phi2 wants head_count x head size = embedding_length (attn_q is [${E}, ${E}]): ${H} x ${hk} != ${E}`);

  // --- tensors (load_tensors) ---
  const embd = byName.get("token_embd.weight");
  const nVocab = embd && embd.shape.length === 2 ? Number(embd.shape[1]) : undefined;
  if (vocabSize !== undefined && nVocab !== undefined && vocabSize !== nVocab)
    problem(`${a}.vocab_size ${vocabSize}, but token_embd.weight has ${nVocab} rows`);
  const expected = new Map();  // name -> [shape, required]
  const want = (name, shape, required = true) => expected.set(name, [shape, required]);
  want("token_embd.weight", [E, nVocab ?? -1]);
  want("output_norm.weight", [E]);
  if (a === "phi2") {
    want("output_norm.bias", [E]);
    want("output.weight", [E, nVocab ?? -1]);
    want("output.bias", [nVocab ?? -1]);
  } else {
    want("output.weight", [E, nVocab ?? -1], false);  // absent: tied to token_embd
  }
  const qDim = H * hk, kDim = Hkv * hk, vDim = Hkv * hv;
  for (let i = 0; i < L; ++i) {
    const b = `blk.${i}.`;
    want(`${b}attn_norm.weight`, [E]);
    if (a === "phi2") {
      want(`${b}attn_norm.bias`, [E]);
      if (byName.has(`${b}attn_qkv.weight`)) {
        want(`${b}attn_qkv.weight`, [E, E + 2 * kDim]);
        want(`${b}attn_qkv.bias`, [E + 2 * kDim]);
      } else {
        want(`${b}attn_q.weight`, [E, E]); want(`${b}attn_q.bias`, [E]);
        want(`${b}attn_k.weight`, [E, kDim]); want(`${b}attn_k.bias`, [kDim]);
        want(`${b}attn_v.weight`, [E, kDim]); want(`${b}attn_v.bias`, [kDim]);
      }
      want(`${b}attn_output.weight`, [E, E]); want(`${b}attn_output.bias`, [E]);
      want(`${b}ffn_up.weight`, [E, F]); want(`${b}ffn_up.bias`, [F]);
      want(`${b}ffn_down.weight`, [F, E]); want(`${b}ffn_down.bias`, [E]);
      continue;
    }
    want(`${b}attn_q.weight`, [E, qDim]);
    want(`${b}attn_k.weight`, [E, kDim]);
    want(`${b}attn_v.weight`, [E, vDim]);
    want(`${b}attn_output.weight`, [qDim, E]);
    if (a === "llama") {  // attention_bias models
      want(`${b}attn_q.bias`, [qDim], false); want(`${b}attn_k.bias`, [kDim], false);
      want(`${b}attn_v.bias`, [vDim], false); want(`${b}attn_output.bias`, [E], false);
    }
    want(`${b}ffn_norm.weight`, [E]);
    want(`${b}ffn_gate.weight`, [E, F]);
    want(`${b}ffn_up.weight`, [E, F]);
    want(`${b}ffn_down.weight`, [F, E]);
  }
  for (const [name, [shape, required]] of expected) {
    const t = byName.get(name);
    if (!t) {
      if (required) problem(`missing tensor ${name} [${shape}]`);
      continue;
    }
    const got = t.shape.map(Number);
    if (got.length !== shape.length || got.some((d, j) => shape[j] !== -1 && d !== shape[j]))
      problem(`tensor ${name} has shape [${got}], llama.cpp expects [${shape.map((d) => (d === -1 ? "n_vocab" : d))}]`);
  }
  for (const name of byName.keys()) {
    if (!expected.has(name)) problem(`unknown tensor ${name} (llama.cpp's ${a} loader counts it and fails: "wrong number of tensors")`);
  }
  checkTypes();
  checkTokenizer(a, nVocab);
}

function num(v) {
  return v === undefined ? undefined : Number(v);
}

// 1-D tensors in F32; matrices in the file type's type, its k-mix Q6_K, or a fallback when the
// rows are not whole blocks of the intended type.
function checkTypes() {
  for (const t of tensorInfos) {
    if (t.shape.length === 1) {
      if (t.dtype !== Q.F32) problem(`tensor ${t.name} (1-D) is ${typeName(t.dtype)}, expected F32`);
      continue;
    }
    if (!ftype) continue;
    const intended = ftype.mix && ftype.mix.test(t.name) && t.dtype !== ftype.base ? Q.Q6_K : ftype.base;
    if (t.dtype === ftype.base || t.dtype === intended) continue;
    const ne0 = t.shape[0];
    const fitsIntended = ne0 % BigInt(BLOCKS[intended][0]) === 0n;
    if (!ftype.fallbacks.includes(t.dtype)) {
      problem(`tensor ${t.name} is ${typeName(t.dtype)}, a ${ftype.name} file allows ${[ftype.base, ...(ftype.mix ? [Q.Q6_K] : []), ...ftype.fallbacks].map(typeName).join(", ")}`);
    } else if (fitsIntended) {
      problem(`tensor ${t.name} fell back to ${typeName(t.dtype)} though its rows of ${ne0} are whole ${typeName(intended)} blocks`);
    } else if (t.dtype === Q.F16 && ftype.fallbacks.includes(Q.Q8_0) && ne0 % 32n === 0n) {
      problem(`tensor ${t.name} fell back to F16 though its rows of ${ne0} are whole Q8_0 blocks`);
    }
  }
}

// llama_vocab::load: tokenizer.ggml.model always; tokens (unique, one per embedding row) with
// scores/token types of the same length; BPE ("gpt2") needs merges; special ids are uint32.
function checkTokenizer(a, nVocab) {
  const model = key("tokenizer.ggml.model", V.STRING, { why: "llama.cpp's vocab loader requires it (\"none\" for a model without a tokenizer)" });
  if (model === undefined) return;
  if (model === "none" || model === "no_vocab") {
    if (kv[`${a}.vocab_size`] === undefined) problem(`tokenizer.ggml.model "${model}" without ${a}.vocab_size: llama.cpp then has no vocabulary size`);
    return;
  }
  if (model !== "llama" && model !== "gpt2") {
    problem(`tokenizer.ggml.model "${model}", expected llama (SentencePiece), gpt2 (BPE) or none`);
    return;
  }
  const tokens = key("tokenizer.ggml.tokens", V.ARRAY, { sub: V.STRING });
  if (!tokens) return;
  const n = tokens.length;
  if (nVocab !== undefined && n !== nVocab) problem(`tokenizer.ggml.tokens has ${n} tokens, token_embd.weight ${nVocab} rows`);
  const seen = new Map();
  for (let i = 0; i < n; ++i) {
    if (seen.has(tokens[i])) {
      problem(`tokenizer.ggml.tokens: "${tokens[i]}" at ${seen.get(tokens[i])} and ${i} (llama.cpp asserts tokens are unique)`);
      break;
    }
    seen.set(tokens[i], i);
  }
  const scores = key("tokenizer.ggml.scores", V.ARRAY, { sub: V.FLOAT32, required: model === "llama", why: "SentencePiece merges by score" });
  if (scores && scores.length !== n) problem(`tokenizer.ggml.scores has ${scores.length} entries, tokens ${n}`);
  const types = key("tokenizer.ggml.token_type", V.ARRAY, { sub: V.INT32, required: false });
  if (types) {
    if (types.length !== n) problem(`tokenizer.ggml.token_type has ${types.length} entries, tokens ${n}`);
    const bad = types.findIndex((t) => t < 0 || t > 6);
    if (bad >= 0) problem(`tokenizer.ggml.token_type[${bad}] = ${types[bad]}, not a llama.cpp token type (0-6)`);
  }
  if (model === "gpt2") {
    const merges = key("tokenizer.ggml.merges", V.ARRAY, { sub: V.STRING, why: "llama.cpp's BPE vocabulary needs merges" });
    const bad = merges?.find((m) => m.indexOf(" ", 1) < 0);
    if (bad !== undefined) problem(`tokenizer.ggml.merges: "${bad}" has no space after its first character`);
    key("tokenizer.ggml.pre", V.STRING, { required: false });
  }
  for (const name of ["bos", "eos", "unknown", "padding"]) {
    const id = key(`tokenizer.ggml.${name}_token_id`, V.UINT32, { required: false });
    if (id !== undefined && id >= n) problem(`tokenizer.ggml.${name}_token_id ${id} is outside the ${n} tokens`);
  }
  for (const flag of ["add_bos_token", "add_eos_token", "add_space_prefix"]) key(`tokenizer.ggml.${flag}`, V.BOOL, { required: false });
}
