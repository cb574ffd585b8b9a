// The `--quant F` option the model commands share: block formats applied to the matrices at load.
#pragma once
#include <CLI/CLI.hpp>
#include <string>

namespace lowspec::app {

inline CLI::Option* add_quant_option(CLI::App& app, std::string& quant) {
  return app
      .add_option("--quant", quant,
                  "quantize the matrices at load: q8_0, q4_0, q4_k, q5_k or q6_k (k-quants need "
                  "rows of 256; other matrices take q8_0)")
      ->check(CLI::IsMember({"q8_0", "q4_0", "q4_k", "q5_k", "q6_k"}, CLI::ignore_case));
}

}  // namespace lowspec::app
