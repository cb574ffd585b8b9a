#include "tokenizer/sentencepiece_tokenizer.h"

#include <sentencepiece_processor.h>

#include "core/error.h"

namespace lowspec::tokenizer {
namespace {

class SentencePieceTokenizer : public Tokenizer {
 public:
  explicit SentencePieceTokenizer(const std::string& path) {
    const auto status = processor_.Load(path);
    check(status.ok(), path, cat("cannot load the SentencePiece model: ", status.ToString()));
    auto id_or_none = [](int id) { return id >= 0 ? std::optional<int32_t>(id) : std::nullopt; };
    settings_.special.bos = id_or_none(processor_.bos_id());
    settings_.special.eos = id_or_none(processor_.eos_id());
    settings_.special.unk = id_or_none(processor_.unk_id());
    settings_.special.pad = id_or_none(processor_.pad_id());
  }

  size_t vocab_size() const override { return static_cast<size_t>(processor_.GetPieceSize()); }
  std::optional<int32_t> token_to_id(std::string_view token) const override {
    const int id = processor_.PieceToId(std::string(token));
    // PieceToId answers unk_id for unknown pieces; only the unk piece itself maps there.
    if (id == processor_.unk_id() && processor_.IdToPiece(id) != token) return std::nullopt;
    return id;
  }
  std::string id_to_token(int32_t id) const override {
    check(id >= 0 && id < processor_.GetPieceSize(), "", cat("token id ", id, " is not in the vocabulary"));
    return processor_.IdToPiece(id);
  }
  bool is_special(int32_t id) const override {
    return processor_.IsControl(id) || processor_.IsUnknown(id);
  }

 protected:
  Encoding encode_sequence(std::string_view text) const override {
    sentencepiece::ImmutableSentencePieceText spt;
    const auto status = processor_.Encode(text, spt.mutable_proto());
    if (!status.ok()) throw Error(cat("SentencePiece encode failed: ", status.ToString()));
    Encoding e;
    for (const auto& piece : spt.pieces()) {
      e.ids.push_back(static_cast<int32_t>(piece.id()));
      e.tokens.push_back(std::string(piece.piece()));
      e.offsets.push_back({piece.begin(), piece.end()});
    }
    return e;
  }

  std::string decode_ids(std::span<const int32_t> ids) const override {
    // SentencePiece drops control tokens when decoding; kept ones are written as their piece.
    std::string out;
    std::vector<int> run;
    auto flush = [&] {
      if (run.empty()) return;
      std::string text;
      const auto status = processor_.Decode(run, &text);
      if (!status.ok()) throw Error(cat("SentencePiece decode failed: ", status.ToString()));
      out += text;
      run.clear();
    };
    for (int32_t id : ids) {
      if (processor_.IsControl(id)) {
        flush();
        out += processor_.IdToPiece(id);
      } else {
        run.push_back(id);
      }
    }
    flush();
    return out;
  }

 private:
  sentencepiece::SentencePieceProcessor processor_;
};

}  // namespace

std::unique_ptr<Tokenizer> load_sentencepiece(const std::string& path) {
  return std::make_unique<SentencePieceTokenizer>(path);
}

}  // namespace lowspec::tokenizer
