#include "eval/text_dataset.h"

#include "eval/line_reader.h"

namespace lowspec::eval {
namespace {

bool is_blank(const std::string& line) { return line.find_first_not_of(" \t") == std::string::npos; }

// " = Title = " but not " = = Section = = ".
bool is_article_heading(const std::string& row) {
  return row.size() >= 6 && row.compare(0, 3, " = ") == 0 && row[3] != '=' &&
         row.find(" = \n", 3) == row.size() - 4;
}

}  // namespace

std::vector<std::string> load_wikitext_rows(const std::string& path) {
  LineReader reader(path);
  std::vector<std::string> rows;
  std::string line;
  while (reader.next(line)) rows.push_back(is_blank(line) ? std::string() : line + "\n");
  return rows;
}

std::string wikitext_perplexity_text(const std::vector<std::string>& rows) {
  std::string text;
  for (size_t i = 0; i < rows.size(); ++i) {
    if (i > 0) text += "\n\n";
    text += rows[i];
  }
  return text;
}

std::vector<std::string> wikitext_articles(const std::vector<std::string>& rows, const Sampling& sampling) {
  Reservoir<std::string> articles(sampling);
  std::vector<std::string> article_rows;
  for (const std::string& row : rows) {
    if (is_article_heading(row) && !article_rows.empty()) {
      articles.offer(wikitext_perplexity_text(article_rows));
      article_rows.clear();
    }
    if (is_article_heading(row) || !article_rows.empty()) article_rows.push_back(row);
  }
  if (!article_rows.empty()) articles.offer(wikitext_perplexity_text(article_rows));
  return articles.take();
}

void for_each_paragraph(const std::string& path, const std::function<void(std::string&&)>& visit) {
  LineReader reader(path);
  std::string line, paragraph;
  while (reader.next(line)) {
    if (is_blank(line)) {
      if (!paragraph.empty()) visit(std::move(paragraph));
      paragraph.clear();
      continue;
    }
    if (!paragraph.empty()) paragraph.push_back('\n');
    paragraph += line;
  }
  if (!paragraph.empty()) visit(std::move(paragraph));
}

std::vector<std::string> load_paragraphs(const std::string& path, const Sampling& sampling) {
  Reservoir<std::string> paragraphs(sampling);
  for_each_paragraph(path, [&](std::string&& p) { paragraphs.offer(std::move(p)); });
  return paragraphs.take();
}

}  // namespace lowspec::eval
