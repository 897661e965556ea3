#include "util/sql_split.h"

#include <cctype>

namespace orch {

namespace {

bool ident_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

// At s[i] == '$': returns the length of a dollar-quote tag ("$$", "$body$"), or 0 when it is not one
// (a positional parameter such as $1).
size_t dollar_tag_len(std::string_view s, size_t i) {
  size_t j = i + 1;
  if (j < s.size() && std::isdigit(static_cast<unsigned char>(s[j]))) return 0;
  while (j < s.size() && ident_char(s[j])) ++j;
  if (j < s.size() && s[j] == '$') return j - i + 1;
  return 0;
}

}  // namespace

int line_of_offset(std::string_view text, size_t offset) {
  int line = 1;
  for (size_t i = 0; i < offset && i < text.size(); ++i)
    if (text[i] == '\n') ++line;
  return line;
}

std::vector<SqlStatement> split_sql(std::string_view s) {
  std::vector<SqlStatement> out;
  size_t stmt_start = std::string_view::npos;  // offset of the first token of the current statement
  int line = 1, stmt_line = 1;
  size_t start_text = 0;

  auto flush = [&](size_t end) {
    if (stmt_start != std::string_view::npos) {
      SqlStatement st;
      st.text = std::string(s.substr(start_text, end - start_text));
      st.line = stmt_line;
      st.offset = stmt_start;
      size_t k = stmt_start;
      while (k < s.size() && std::isalpha(static_cast<unsigned char>(s[k]))) {
        st.keyword += static_cast<char>(std::toupper(static_cast<unsigned char>(s[k])));
        ++k;
      }
      out.push_back(std::move(st));
    }
    stmt_start = std::string_view::npos;
  };
  auto mark_token = [&](size_t i) {
    if (stmt_start == std::string_view::npos) {
      stmt_start = i;
      stmt_line = line;
      start_text = i;
    }
  };

  size_t i = 0;
  int paren = 0;
  while (i < s.size()) {
    char c = s[i];
    if (c == '\n') {
      ++line;
      ++i;
      continue;
    }
    if (c == '-' && i + 1 < s.size() && s[i + 1] == '-') {
      while (i < s.size() && s[i] != '\n') ++i;
      continue;
    }
    if (c == '/' && i + 1 < s.size() && s[i + 1] == '*') {
      int depth = 0;
      while (i < s.size()) {
        if (s[i] == '/' && i + 1 < s.size() && s[i + 1] == '*') { ++depth; i += 2; continue; }
        if (s[i] == '*' && i + 1 < s.size() && s[i + 1] == '/') { i += 2; if (--depth == 0) break; continue; }
        if (s[i] == '\n') ++line;
        ++i;
      }
      continue;
    }
    if (std::isspace(static_cast<unsigned char>(c))) { ++i; continue; }
    mark_token(i);
    if (c == '\'' || c == '"') {
      bool backslash_escapes = c == '\'' && i > 0 && (s[i - 1] == 'E' || s[i - 1] == 'e');
      char q = c;
      ++i;
      while (i < s.size()) {
        if (s[i] == '\n') ++line;
        if (backslash_escapes && s[i] == '\\') { i += 2; continue; }
        if (s[i] == q) {
          if (i + 1 < s.size() && s[i + 1] == q) { i += 2; continue; }
          ++i;
          break;
        }
        ++i;
      }
      continue;
    }
    if (c == '$' && (i == 0 || !ident_char(s[i - 1]))) {
      size_t tl = dollar_tag_len(s, i);
      if (tl) {
        std::string_view tag = s.substr(i, tl);
        size_t close = s.find(tag, i + tl);
        size_t end = close == std::string_view::npos ? s.size() : close + tl;
        for (size_t k = i; k < end; ++k) if (s[k] == '\n') ++line;
        i = end;
        continue;
      }
    }
    if (c == '(') ++paren;
    if (c == ')' && paren > 0) --paren;
    if (c == ';' && paren == 0) {
      flush(i);
      ++i;
      continue;
    }
    ++i;
  }
  flush(s.size());
  // Trim trailing white space/comments-free tails of each statement text.
  for (auto& st : out) {
    while (!st.text.empty() && std::isspace(static_cast<unsigned char>(st.text.back()))) st.text.pop_back();
  }
  return out;
}

bool is_transaction_control(const SqlStatement& st) {
  const std::string& k = st.keyword;
  if (k == "BEGIN" || k == "COMMIT" || k == "END" || k == "ROLLBACK" || k == "ABORT") return true;
  if (k == "START") {
    std::string rest;
    for (size_t i = 5; i < st.text.size() && rest.size() < 11; ++i)
      if (!std::isspace(static_cast<unsigned char>(st.text[i])))
        rest += static_cast<char>(std::toupper(static_cast<unsigned char>(st.text[i])));
    return rest.rfind("TRANSACTION", 0) == 0;
  }
  return false;
}

}  // namespace orch
