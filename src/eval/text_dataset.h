// Raw-text corpora for perplexity and generation: WikiText raw files and plain text.
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "eval/sampling.h"

namespace lowspec::eval {

// WikiText raw file (wiki.test.raw) as the rows of the Hugging Face `wikitext` dataset: every
// line keeps its "\n", and a blank line (holding one space) is the empty row "".
std::vector<std::string> load_wikitext_rows(const std::string& path);

// The text the Hugging Face perplexity recipe scores: "\n\n".join(rows).
std::string wikitext_perplexity_text(const std::vector<std::string>& rows);

// Articles: each starts at a top-level heading row " = Title = " and runs to the next one
// (rows before the first heading form no article); each article is its rows joined as
// wikitext_perplexity_text joins them.
std::vector<std::string> wikitext_articles(const std::vector<std::string>& rows, const Sampling& sampling = {});

// Plain text files: streams paragraphs (runs of non-blank lines joined with "\n"), the
// examples of a text corpus such as Tiny Shakespeare.
void for_each_paragraph(const std::string& path, const std::function<void(std::string&&)>& visit);
std::vector<std::string> load_paragraphs(const std::string& path, const Sampling& sampling = {});

}  // namespace lowspec::eval
