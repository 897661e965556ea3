#include "util/parse_tree_json.h"

#include <cctype>

namespace orch {

namespace {

class Walker {
 public:
  explicit Walker(std::string_view s) : s_(s) {}
  bool ok() const { return ok_; }
  size_t pos() const { return i_; }

  void blank() {
    while (i_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[i_]))) ++i_;
  }
  bool take(char c) {
    blank();
    if (i_ < s_.size() && s_[i_] == c) return ++i_, true;
    return false;
  }
  bool peek(char c) {
    blank();
    return i_ < s_.size() && s_[i_] == c;
  }
  // A string's text without its quotes (escapes left as written: keys never hold any).
  std::string_view string() {
    blank();
    if (i_ >= s_.size() || s_[i_] != '"') return fail(), std::string_view();
    const size_t b = ++i_;
    while (i_ < s_.size() && s_[i_] != '"') i_ += s_[i_] == '\\' ? 2 : 1;
    if (i_ >= s_.size()) return fail(), std::string_view();
    return s_.substr(b, i_++ - b);
  }
  size_t number() {
    blank();
    size_t v = 0, b = i_;
    while (i_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[i_]))) v = v * 10 + static_cast<size_t>(s_[i_++] - '0');
    if (i_ == b) fail();
    return v;
  }
  // Any value; its text.
  std::string_view value() {
    blank();
    const size_t b = i_;
    if (i_ < s_.size() && s_[i_] == '"') {
      string();
    } else if (i_ < s_.size() && (s_[i_] == '{' || s_[i_] == '[')) {
      int depth = 0;
      do {
        char c = s_[i_];
        if (c == '"') {
          string();
          continue;
        }
        if (c == '{' || c == '[') ++depth;
        if (c == '}' || c == ']') --depth;
        ++i_;
      } while (ok_ && depth > 0 && i_ < s_.size());
      if (depth != 0) fail();
    } else {
      while (i_ < s_.size() && s_[i_] != ',' && s_[i_] != '}' && s_[i_] != ']') ++i_;
    }
    return s_.substr(b, i_ - b);
  }
  void fail() {
    ok_ = false;
    i_ = s_.size();
  }

 private:
  std::string_view s_;
  size_t i_ = 0;
  bool ok_ = true;
};

// One {"stmt":{…},"stmt_location":N,"stmt_len":M} element.
TreeStatement element(Walker& w) {
  TreeStatement st;
  if (!w.take('{')) return w.fail(), st;
  if (w.take('}')) return st;
  do {
    std::string_view key = w.string();
    if (!w.take(':')) return w.fail(), st;
    if (key == "stmt_location") st.location = w.number();
    else if (key == "stmt_len") st.len = w.number();
    else if (key == "stmt") {
      st.tree = w.value();
      Walker inner(st.tree);
      if (inner.take('{') && inner.peek('"')) st.node = inner.string();
    } else {
      w.value();
    }
  } while (w.ok() && w.take(','));
  if (!w.take('}')) w.fail();
  return st;
}

}  // namespace

std::optional<std::vector<TreeStatement>> tree_statements(std::string_view json) {
  Walker w(json);
  std::vector<TreeStatement> out;
  if (!w.take('{')) return std::nullopt;
  if (w.take('}')) return out;
  do {
    std::string_view key = w.string();
    if (!w.take(':')) return std::nullopt;
    if (key != "stmts") {
      w.value();
      continue;
    }
    if (!w.take('[')) return std::nullopt;
    if (w.take(']')) continue;
    do out.push_back(element(w));
    while (w.ok() && w.take(','));
    if (!w.take(']')) return std::nullopt;
  } while (w.ok() && w.take(','));
  if (!w.ok() || !w.take('}')) return std::nullopt;
  return out;
}

}  // namespace orch
