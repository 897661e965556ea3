#include "util/sql_split.h"

#include <pg_query.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <functional>
#include <nlohmann/json.hpp>

#include "util/interrupt.h"
#include "util/parse_tree_json.h"
#include "util/exit_codes.h"

namespace orch {

int line_of_offset(std::string_view text, size_t offset) {
  int line = 1;
  for (size_t i = 0; i < offset && i < text.size(); ++i)
    if (text[i] == '\n') ++line;
  return line;
}

namespace {

// Lines counted forward from the last offset asked about: statements come in order, so a whole script
// costs one pass (asking for every statement's line from the start made a 15,000-statement file take
// seconds, a 150,000-statement one minutes).
class LineCounter {
 public:
  explicit LineCounter(std::string_view s) : s_(s) {}
  int at(size_t offset) {
    if (offset < pos_) pos_ = 0, line_ = 1;
    offset = std::min(offset, s_.size());
    for (const char* p; pos_ < offset && (p = static_cast<const char*>(std::memchr(s_.data() + pos_, '\n', offset - pos_)));) {
      pos_ = static_cast<size_t>(p - s_.data()) + 1;
      ++line_;
    }
    if (pos_ < offset) pos_ = offset;
    return line_;
  }

 private:
  std::string_view s_;
  size_t pos_ = 0;
  int line_ = 1;
};

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

// `end` is where the statement's text ends in `s` (before its semicolon).
SqlStatement make_statement(std::string_view s, size_t location, size_t end, LineCounter& lines) {
  end = std::min(end, s.size());
  size_t start = skip_blank(s, location, end);
  SqlStatement st;
  st.offset = start;
  st.line = lines.at(start);
  st.text = std::string(s.substr(start, end - start));
  while (!st.text.empty() && (std::isspace(static_cast<unsigned char>(st.text.back())) || st.text.back() == ';'))
    st.text.pop_back();
  for (char c : st.text) {
    if (!std::isalpha(static_cast<unsigned char>(c)) && c != '_') break;
    st.keyword += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return st;
}

// A statement as a batch's parser placed it, in the whole script's offsets.
struct RawStatement {
  size_t location = 0, end = 0;
  std::string node;     // "InsertStmt" (parse only)
  nlohmann::json stmt;  // {"InsertStmt": {...}} (parse with trees only)
};

// What a batch goes through: the parser's splitter (where statements are), the parser (and their
// node names), or the parser with every statement's tree.
enum class Depth { Split, Nodes, Trees };

constexpr size_t kBatchBytes = 1 << 20;

// Where to end a batch that starts at `from` (a statement's start) and should hold about `want`
// bytes: the start of the last statement PostgreSQL's scanner sees in that window, whose own end may
// lie past it. 0 when the window holds no such start (one huge statement, or a window ending inside
// a string literal the scanner refuses): the caller widens the window.
size_t batch_end(std::string_view text, size_t from, size_t want) {
  if (want >= text.size() - from) return text.size();
  const std::string window(text.substr(from, want));  // NUL-terminated for libpg_query
  PgQuerySplitResult r = pg_query_split_with_scanner(window.c_str());
  size_t end = 0;
  if (!r.error && r.n_stmts >= 2) end = from + static_cast<size_t>(r.stmts[r.n_stmts - 1]->stmt_location);
  pg_query_free_split_result(r);
  return end;
}

struct BatchError {
  std::string message;
  size_t pos = 0;  // in the whole script
};

// One batch through the splitter or the parser; false with `err` when the parser refused it. `at_end`
// says the refusal was at the batch's end (an unfinished statement).
bool run_batch(const std::string& batch, size_t from, Depth depth, std::vector<RawStatement>& out, BatchError& err,
               bool& at_end) {
  auto add = [&](size_t location, size_t len) -> RawStatement& {
    out.push_back({from + location, from + (len == 0 ? batch.size() : std::min(batch.size(), location + len)), {}, nullptr});
    return out.back();
  };
  auto fail = [&](PgQueryError* e) {
    size_t pos = e->cursorpos > 0 ? static_cast<size_t>(e->cursorpos - 1) : 0;
    at_end = pos >= batch.size() || std::string_view(e->message).find("at end of input") != std::string_view::npos;
    err = {e->message, from + std::min(pos, batch.size())};
    return false;
  };
  if (depth == Depth::Split) {
    PgQuerySplitResult r = pg_query_split_with_parser(batch.c_str());
    bool ok = !r.error || fail(r.error);
    for (int i = 0; ok && i < r.n_stmts; ++i)
      add(static_cast<size_t>(r.stmts[i]->stmt_location), static_cast<size_t>(r.stmts[i]->stmt_len));
    pg_query_free_split_result(r);
    return ok;
  }
  PgQueryParseResult r = pg_query_parse(batch.c_str());
  if (r.error) {
    fail(r.error);
    pg_query_free_parse_result(r);
    return false;
  }
  if (auto stmts = tree_statements(r.parse_tree)) {
    for (const auto& t : *stmts) {
      RawStatement& raw = add(t.location, t.len);
      raw.node = std::string(t.node);
      if (depth == Depth::Trees && !t.tree.empty()) raw.stmt = nlohmann::json::parse(t.tree.begin(), t.tree.end());
    }
  } else {  // not shaped as expected (another libpg_query?): a real JSON parser
    auto tree = nlohmann::json::parse(r.parse_tree);
    for (auto& t : tree["stmts"]) {
      RawStatement& raw = add(t.value("stmt_location", 0), t.value("stmt_len", 0));
      if (t.contains("stmt") && t["stmt"].is_object() && !t["stmt"].empty()) raw.node = t["stmt"].begin().key();
      if (depth == Depth::Trees && t.contains("stmt")) raw.stmt = std::move(t["stmt"]);
    }
  }
  pg_query_free_parse_result(r);
  return true;
}

// The script through the parser about kBatchBytes at a time, so memory follows the batch, not the file
// (a whole 133 MB file as one parse tree took 11.8 GB). Batches are cut where the scanner starts a
// statement; the scanner does not know BEGIN ATOMIC bodies, so a cut can fall inside one: that batch
// is refused "at end of input", grows (doubling) and is parsed again. A refusal inside a batch is the
// script's syntax error.
using RawSink = std::function<void(RawStatement&)>;

Status parse_batches(std::string_view text, Depth depth, bool interruptible, const RawSink& sink) {
  std::vector<RawStatement> out;
  size_t from = 0, want = kBatchBytes;
  while (from < text.size()) {
    if (interruptible && interrupt::requested()) return Error{"interrupted while parsing", "", "", exit_code::kInterrupted};
    const size_t end = batch_end(text, from, want);
    if (end <= from) {
      want *= 2;
      continue;
    }
    BatchError err;
    bool at_end = false;
    out.clear();
    if (run_batch(std::string(text.substr(from, end - from)), from, depth, out, err, at_end)) {
      for (auto& r : out) sink(r);
      from = end, want = kBatchBytes;
      continue;
    }
    if (at_end && end < text.size()) {
      want *= 2;
      continue;
    }
    LineCounter lines(text);
    size_t line_start = text.rfind('\n', err.pos == 0 ? 0 : err.pos - 1);
    size_t column = err.pos - (line_start == std::string::npos || err.pos == 0 ? 0 : line_start + 1) + 1;
    return Error{err.message, std::to_string(lines.at(err.pos)) + ":" + std::to_string(column), "", exit_code::kUsage};
  }
  return ok();
}

}  // namespace

Status for_each_statement(std::string_view script, bool with_trees,
                          const std::function<void(ParsedStatement&)>& each) {
  std::string_view text = script;  // batches are copied as libpg_query needs them; the script never is
  // Starts and ends come in order (each statement ends before the next begins): one counter for both.
  LineCounter lines(text);
  return parse_batches(text, with_trees ? Depth::Trees : Depth::Nodes, true, [&](RawStatement& r) {
    SqlStatement st = make_statement(text, r.location, r.end, lines);
    if (st.text.empty()) return;
    ParsedStatement p;
    static_cast<SqlStatement&>(p) = std::move(st);
    p.length = r.end - p.offset;
    p.end_line = lines.at(r.end);
    p.node = std::move(r.node);
    p.tree = std::move(r.stmt);
    each(p);
  });
}

Result<std::vector<ParsedStatement>> parse_sql_trees(std::string_view script) {
  std::vector<ParsedStatement> out;
  if (auto done = for_each_statement(script, true, [&](ParsedStatement& p) { out.push_back(std::move(p)); }); !done)
    return done.error();
  return out;
}

Result<std::vector<SqlStatement>> parse_sql(std::string_view script) {
  std::vector<SqlStatement> out;
  auto done = for_each_statement(script, false, [&](ParsedStatement& p) { out.push_back(std::move(static_cast<SqlStatement&>(p))); });
  if (!done) return done.error();
  return out;
}

std::vector<SqlStatement> split_sql(std::string_view text) {
  std::vector<SqlStatement> out;
  LineCounter lines(text);
  auto done = parse_batches(text, Depth::Split, false, [&](RawStatement& r) {
    if (SqlStatement st = make_statement(text, r.location, r.end, lines); !st.text.empty()) out.push_back(std::move(st));
  });
  if (done) return out;
  out.clear();
  lines = LineCounter(text);
  // The parser refused it: the scanner's split, and the server will say what is wrong.
  PgQuerySplitResult r = pg_query_split_with_scanner(std::string(text).c_str());
  for (int i = 0; !r.error && i < r.n_stmts; ++i) {
    size_t loc = static_cast<size_t>(r.stmts[i]->stmt_location), len = static_cast<size_t>(r.stmts[i]->stmt_len);
    if (SqlStatement st = make_statement(text, loc, len == 0 ? text.size() : loc + len, lines); !st.text.empty())
      out.push_back(std::move(st));
  }
  pg_query_free_split_result(r);
  return out;
}

std::vector<std::pair<std::string, std::string>> indexes_created(std::string_view script) {
  std::vector<std::pair<std::string, std::string>> out;
  auto done = for_each_statement(script, true, [&](ParsedStatement& st) {
    if (st.node != "IndexStmt") return;
    const auto& idx = st.tree["IndexStmt"];
    if (!idx.contains("idxname")) return;  // unnamed: PostgreSQL picks the name
    std::string schema = idx.contains("relation") ? idx["relation"].value("schemaname", "") : "";
    out.emplace_back(schema, idx.value("idxname", ""));
  });
  if (!done) out.clear();  // a script that does not parse creates none as far as this says
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
    if (c == 0) return Error{"holds a NUL byte", std::to_string(line_of_offset(s, i)), "", exit_code::kUsage};
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
    if (!ok) return Error{"is not valid UTF-8", std::to_string(line_of_offset(s, i)), "", exit_code::kUsage};
    i += n;
  }
  return ok();
}

}  // namespace orch
