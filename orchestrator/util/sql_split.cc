#include "util/sql_split.h"

#include <pg_query.h>

#include <cctype>
#include <nlohmann/json.hpp>

namespace orch {

int line_of_offset(std::string_view text, size_t offset) {
  int line = 1;
  for (size_t i = 0; i < offset && i < text.size(); ++i)
    if (text[i] == '\n') ++line;
  return line;
}

namespace {

// Skips white space and comments (--, nested /* */) from `i`; returns the first token's offset.
size_t skip_blank(std::string_view s, size_t i, size_t end) {
  while (i < end) {
    if (std::isspace(static_cast<unsigned char>(s[i]))) {
      ++i;
    } else if (s.compare(i, 2, "--") == 0) {
      while (i < end && s[i] != '\n') ++i;
    } else if (s.compare(i, 2, "/*") == 0) {
      int depth = 0;
      do {
        if (s.compare(i, 2, "/*") == 0) ++depth, i += 2;
        else if (s.compare(i, 2, "*/") == 0) --depth, i += 2;
        else ++i;
      } while (i < end && depth > 0);
    } else {
      break;
    }
  }
  return i;
}

SqlStatement make_statement(std::string_view s, size_t location, size_t len) {
  size_t end = len == 0 ? s.size() : std::min(s.size(), location + len);
  size_t start = skip_blank(s, location, end);
  SqlStatement st;
  st.offset = start;
  st.line = line_of_offset(s, start);
  st.text = std::string(s.substr(start, end - start));
  while (!st.text.empty() && (std::isspace(static_cast<unsigned char>(st.text.back())) || st.text.back() == ';'))
    st.text.pop_back();
  for (char c : st.text) {
    if (!std::isalpha(static_cast<unsigned char>(c)) && c != '_') break;
    st.keyword += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return st;
}

// libpg_query wants a NUL-terminated string; a NUL inside the text ends it early, which the callers
// refuse before parsing (invalid_text_at).
std::vector<SqlStatement> from_split(std::string_view s, PgQuerySplitResult r) {
  std::vector<SqlStatement> out;
  if (!r.error)
    for (int i = 0; i < r.n_stmts; ++i) {
      SqlStatement st = make_statement(s, static_cast<size_t>(r.stmts[i]->stmt_location),
                                       static_cast<size_t>(r.stmts[i]->stmt_len));
      if (!st.text.empty()) out.push_back(std::move(st));
    }
  return out;
}

}  // namespace

Result<std::vector<ParsedStatement>> parse_sql_trees(std::string_view script) {
  const std::string text(script);
  PgQueryParseResult parsed = pg_query_parse(text.c_str());
  if (parsed.error) {
    size_t pos = parsed.error->cursorpos > 0 ? static_cast<size_t>(parsed.error->cursorpos - 1) : 0;
    int line = line_of_offset(text, pos);
    size_t line_start = text.rfind('\n', pos == 0 ? 0 : pos - 1);
    size_t column = pos - (line_start == std::string::npos ? 0 : line_start + 1) + 1;
    Error e{parsed.error->message, std::to_string(line) + ":" + std::to_string(column), "", 2};
    pg_query_free_parse_result(parsed);
    return e;
  }
  auto tree = nlohmann::json::parse(parsed.parse_tree);
  pg_query_free_parse_result(parsed);
  std::vector<ParsedStatement> out;
  for (auto& raw : tree.value("stmts", nlohmann::json::array())) {
    size_t location = raw.value("stmt_location", 0), len = raw.value("stmt_len", 0);
    SqlStatement st = make_statement(text, location, len);
    if (st.text.empty()) continue;
    ParsedStatement p;
    static_cast<SqlStatement&>(p) = std::move(st);
    p.length = (len == 0 ? text.size() : std::min(text.size(), location + len)) - p.offset;
    if (raw.contains("stmt") && raw["stmt"].is_object() && !raw["stmt"].empty()) {
      p.node = raw["stmt"].begin().key();
      p.tree = std::move(raw["stmt"]);
    }
    out.push_back(std::move(p));
  }
  return out;
}

Result<std::vector<SqlStatement>> parse_sql(std::string_view script) {
  auto parsed = parse_sql_trees(script);
  if (!parsed) return parsed.error();
  std::vector<SqlStatement> out;
  out.reserve(parsed->size());
  for (auto& p : *parsed) out.push_back(std::move(static_cast<SqlStatement&>(p)));
  return out;
}

std::vector<SqlStatement> split_sql(std::string_view script) {
  const std::string text(script);
  PgQuerySplitResult r = pg_query_split_with_parser(text.c_str());
  if (r.error) {
    pg_query_free_split_result(r);
    r = pg_query_split_with_scanner(text.c_str());
  }
  auto out = from_split(text, r);
  pg_query_free_split_result(r);
  return out;
}

std::vector<std::pair<std::string, std::string>> indexes_created(std::string_view script) {
  std::vector<std::pair<std::string, std::string>> out;
  const std::string text(script);
  PgQueryParseResult parsed = pg_query_parse(text.c_str());
  if (!parsed.error) {
    auto tree = nlohmann::json::parse(parsed.parse_tree);
    for (const auto& raw : tree.value("stmts", nlohmann::json::array())) {
      if (!raw.contains("stmt") || !raw["stmt"].contains("IndexStmt")) continue;
      const auto& idx = raw["stmt"]["IndexStmt"];
      if (!idx.contains("idxname")) continue;  // unnamed: PostgreSQL picks the name
      std::string schema = idx.contains("relation") ? idx["relation"].value("schemaname", "") : "";
      out.emplace_back(schema, idx.value("idxname", ""));
    }
  }
  pg_query_free_parse_result(parsed);
  return out;
}

Status check_expression(std::string_view expr) {
  if (auto text = check_text(expr); !text) return Error{"the expression " + text.error().message};
  const std::string wrapped = "SELECT (" + std::string(expr) + ")";
  PgQueryParseResult parsed = pg_query_parse(wrapped.c_str());
  if (parsed.error) {
    Error e{std::string("not an SQL expression: ") + parsed.error->message};
    pg_query_free_parse_result(parsed);
    return e;
  }
  auto tree = nlohmann::json::parse(parsed.parse_tree);
  pg_query_free_parse_result(parsed);
  const auto& stmts = tree.value("stmts", nlohmann::json::array());
  if (stmts.size() != 1 || !stmts[0].contains("stmt") || !stmts[0]["stmt"].contains("SelectStmt"))
    return Error{"not a single SQL expression: it would make " + std::to_string(stmts.size()) + " statements"};
  const auto& select = stmts[0]["stmt"]["SelectStmt"];
  // Only the target list (and the parser's defaults) may be there: no FROM, WHERE, UNION, LIMIT …
  for (const auto& [key, value] : select.items())
    if (key != "targetList" && key != "limitOption" && key != "op")
      return Error{"not a single SQL expression: it adds a " + key + " clause"};
  if (select.value("op", "SETOP_NONE") != "SETOP_NONE" || select["targetList"].size() != 1)
    return Error{"not a single SQL expression"};
  return ok();
}

bool is_transaction_control(const SqlStatement& st) {
  if (!st.node.empty()) return st.node == "TransactionStmt";
  // Not parsed (split_sql's statements): the first keyword is the best there is.
  const std::string& k = st.keyword;
  return k == "BEGIN" || k == "COMMIT" || k == "END" || k == "ROLLBACK" || k == "ABORT" || k == "SAVEPOINT" ||
         k == "RELEASE" || k == "START";
}

Status check_text(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c == 0) return Error{"holds a NUL byte", std::to_string(line_of_offset(s, i)), "", 2};
    size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
    bool ok = n > 0 && i + n <= s.size();
    for (size_t k = 1; ok && k < n; ++k) ok = (static_cast<unsigned char>(s[i + k]) >> 6) == 0x2;
    // Overlong forms and surrogates are not UTF-8 either.
    if (ok && n == 2) ok = c >= 0xC2;
    if (ok && n == 3) {
      unsigned char c1 = static_cast<unsigned char>(s[i + 1]);
      ok = !(c == 0xE0 && c1 < 0xA0) && !(c == 0xED && c1 >= 0xA0);
    }
    if (ok && n == 4) {
      unsigned char c1 = static_cast<unsigned char>(s[i + 1]);
      ok = c <= 0xF4 && !(c == 0xF0 && c1 < 0x90) && !(c == 0xF4 && c1 >= 0x90);
    }
    if (!ok) return Error{"is not valid UTF-8", std::to_string(line_of_offset(s, i)), "", 2};
    i += n;
  }
  return ok();
}

}  // namespace orch
