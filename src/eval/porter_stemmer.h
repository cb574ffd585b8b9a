// The Porter stemmer in NLTK's default NLTK_EXTENSIONS mode (nltk.stem.PorterStemmer()), which is
// what rouge-score applies with use_stemmer=True. Input: a lowercase ASCII word.
#pragma once
#include <string>
#include <string_view>

namespace lowspec::eval {

std::string porter_stem(std::string_view word);

}  // namespace lowspec::eval
