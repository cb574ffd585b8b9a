// Writes each hf-tiny decoder with `lowspec quantize` in every --to format and runs check_gguf.mjs
// on the files. The fixtures carry no tokenizer, and llama.cpp loads no file without
// tokenizer.ggml.model, so each model folder gets a generated tokenizer.json sized to its
// vocabulary: SentencePiece-style BPE (byte fallback, tokenizer.ggml.model "llama") for llama and
// gemma, byte-level BPE (model "gpt2" with merges) for phi. The bare folders are written too:
// their files must say they have no vocabulary (tokenizer.ggml.model "none").
//   node run_interop.mjs LOWSPEC FIXTURES OUTDIR
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const [lowspec, fixturesArg, out] = process.argv.slice(2);
if (!out) {
  console.error("usage: node run_interop.mjs LOWSPEC FIXTURES OUTDIR");
  process.exit(2);
}
// Absolute, as the model folders link to it.
const fixtures = resolve(fixturesArg);
const checker = join(dirname(fileURLToPath(import.meta.url)), "check_gguf.mjs");
const MODELS = [
  { fixture: "llama", arch: "llama", tokenizer: "spm" },
  { fixture: "phi", arch: "phi2", tokenizer: "gpt2" },
  { fixture: "gemma", arch: "gemma", tokenizer: "spm" },
];
const FORMATS = ["q8_0", "q4_0", "q4_k", "q4_k_m", "q6_k", "f16", "bf16", "f32"];

// Merges of two pieces from `letters` (after `first` pieces) until the vocabulary has n tokens.
function addMerges(vocab, merges, first, letters, n) {
  for (const x of first) {
    for (const y of letters) {
      if (Object.keys(vocab).length >= n) return;
      vocab[x + y] = Object.keys(vocab).length;
      merges.push(`${x} ${y}`);
    }
  }
}

function tokenizerJson(kind, n) {
  const letters = [..."abcdefghijklmnopqrstuvwxyz"];
  const vocab = {}, merges = [];
  if (kind === "spm") {
    const special = ["<unk>", "<s>", "</s>"];
    for (const t of special) vocab[t] = Object.keys(vocab).length;
    for (let b = 0; b < 256; ++b) vocab[`<0x${b.toString(16).toUpperCase().padStart(2, "0")}>`] = Object.keys(vocab).length;
    for (const t of ["\u2581", ...letters]) vocab[t] = Object.keys(vocab).length;
    addMerges(vocab, merges, ["\u2581", ...letters], letters, n);
    return {
      tokenizer: {
        version: "1.0",
        added_tokens: special.map((content, id) => ({ id, content, special: true })),
        normalizer: { type: "Sequence", normalizers: [{ type: "Prepend", prepend: "\u2581" }, { type: "Replace", pattern: { String: " " }, content: "\u2581" }] },
        model: { type: "BPE", unk_token: "<unk>", byte_fallback: true, vocab, merges },
      },
      config: { bos_token: "<s>", eos_token: "</s>", unk_token: "<unk>" },
    };
  }
  // GPT-2's byte-to-unicode table: printable bytes stand for themselves, the rest from U+0100 on.
  let next = 256;
  for (let b = 0; b < 256; ++b) {
    const printable = (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || b >= 0xae;
    vocab[String.fromCodePoint(printable ? b : next++)] = b;
  }
  addMerges(vocab, merges, ["\u0120", ...letters], letters, n - 1);
  const eot = Object.keys(vocab).length;
  vocab["<|endoftext|>"] = eot;
  return {
    tokenizer: {
      version: "1.0",
      added_tokens: [{ id: eot, content: "<|endoftext|>", special: true }],
      pre_tokenizer: { type: "ByteLevel", add_prefix_space: false },
      model: { type: "BPE", byte_fallback: false, vocab, merges },
    },
    config: { bos_token: "<|endoftext|>", eos_token: "<|endoftext|>" },
  };
}

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
let passed = 0, failed = 0;
for (const m of MODELS) {
  const source = join(fixtures, "hf-tiny", m.fixture);
  const folder = join(out, m.fixture);
  mkdirSync(folder);
  for (const f of ["config.json", "generation_config.json", "model.safetensors"]) symlinkSync(join(source, f), join(folder, f));
  const { vocab_size } = JSON.parse(readFileSync(join(source, "config.json"), "utf8"));
  const { tokenizer, config } = tokenizerJson(m.tokenizer, vocab_size);
  writeFileSync(join(folder, "tokenizer.json"), JSON.stringify(tokenizer));
  writeFileSync(join(folder, "tokenizer_config.json"), JSON.stringify(config));
  const runs = FORMATS.map((to) => ({ to, input: folder, file: join(out, `${m.fixture}-${to}.gguf`) }));
  runs.push({ to: "q8_0", input: source, file: join(out, `${m.fixture}-bare-q8_0.gguf`) });
  for (const { to, input, file } of runs) {
    try {
      execFileSync(lowspec, ["quantize", input, "--to", to, "--out", file, "--quiet", "--threads", "1"], { stdio: ["ignore", "inherit", "inherit"] });
    } catch {
      console.log(`${file}: lowspec quantize failed`);
      ++failed;
      continue;
    }
    const r = spawnSync(process.execPath, [checker, file, "--arch", m.arch], { stdio: ["ignore", "inherit", "inherit"] });
    if (r.status === 0) ++passed;
    else ++failed;
  }
}
console.log(`gguf interop: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
