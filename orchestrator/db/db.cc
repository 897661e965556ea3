#include "db/db.h"

#include "util/sql_text.h"

#include <charconv>

namespace orch {

const std::string& Field::str() const {
  static const std::string empty;
  return v_ ? *v_ : empty;
}

long long Field::as_int() const {
  long long out = 0;
  if (v_) std::from_chars(v_->data(), v_->data() + v_->size(), out);
  return out;
}

bool Field::as_bool() const { return v_ && (*v_ == "t" || *v_ == "true"); }

std::string Db::quote_literal(const std::string& value) const { return sql_literal(value); }

Rows Db::query(const std::string& sql, const Params& params, TxKind kind) {
  auto tx = begin(kind);
  Rows r = tx->query(sql, params);
  tx->commit();
  return r;
}

std::string Db::scalar(const std::string& sql, const Params& params, TxKind kind) {
  Rows r = query(sql, params, kind);
  return r.empty() || r[0].empty() ? std::string() : r[0][0].str();
}

}  // namespace orch
