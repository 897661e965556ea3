#include "engine/shadow_database.h"

#include <cctype>
#include <cstdlib>
#include <ctime>
#include <regex>

#include "db/database.h"
#include "db/db.h"
#include "engine/shadow_url.h"
#include "util/duration.h"
#include "util/secrets.h"
#include "util/text.h"

namespace orch {

namespace {
constexpr const char* kKeptComment = "kept by orchestrate rehearse --keep";
// Long enough that a rehearsal between CREATE DATABASE and its restore's first connection (the dump
// is already written by then) is never taken for a dead one; a live rehearsal is connected to its
// shadow from then on. ORCHESTRATE_REHEARSAL_STALE_AFTER changes it (docs/environment.md).
std::chrono::seconds stale_after() {
  const char* v = std::getenv("ORCHESTRATE_REHEARSAL_STALE_AFTER");
  auto d = v ? parse_duration(v) : std::nullopt;
  return d ? std::chrono::duration_cast<std::chrono::seconds>(*d) : std::chrono::seconds(120);
}
}  // namespace

std::string shadow_name(const std::string& run_id) {
  std::string n = kShadowPrefix;
  for (char c : run_id) n.push_back(std::isalnum(static_cast<unsigned char>(c)) ? static_cast<char>(std::tolower(c)) : '_');
  return n;
}

std::optional<std::chrono::system_clock::time_point> shadow_created_at(const std::string& name) {
  static const std::regex re("orchestrate_rehearsal_(\\d{4})(\\d{2})(\\d{2})t(\\d{2})(\\d{2})(\\d{2})z_[0-9a-z_]+");
  std::smatch m;
  if (!std::regex_match(name, m, re)) return std::nullopt;
  std::tm tm{};
  tm.tm_year = std::stoi(m[1]) - 1900;
  tm.tm_mon = std::stoi(m[2]) - 1;
  tm.tm_mday = std::stoi(m[3]);
  tm.tm_hour = std::stoi(m[4]);
  tm.tm_min = std::stoi(m[5]);
  tm.tm_sec = std::stoi(m[6]);
  return std::chrono::system_clock::from_time_t(timegm(&tm));
}

std::vector<std::string> stale_shadows(const std::vector<DatabaseSeen>& seen, std::chrono::system_clock::time_point now,
                                       std::chrono::seconds min_age) {
  std::vector<std::string> out;
  for (const auto& d : seen) {
    auto made = shadow_created_at(d.name);
    if (made && !d.kept && d.connections == 0 && now - *made >= min_age) out.push_back(d.name);
  }
  return out;
}

ShadowDatabase::ShadowDatabase(std::unique_ptr<Db> admin, std::string name, std::string url, NoteFn note)
    : admin_(std::move(admin)), name_(std::move(name)), url_(std::move(url)), note_(std::move(note)) {}

Result<std::unique_ptr<ShadowDatabase>> ShadowDatabase::create(const std::string& server_url, const std::string& run_id,
                                                               const NoteFn& note) {
  const std::string where = secrets::redact_url(server_url);
  std::string name = shadow_name(run_id);
  auto url = url_with_database(server_url, name);
  if (!url) return url.error();
  std::unique_ptr<Db> admin;
  try {
    admin = connect_db(server_url, "orchestrate/rehearse");
    Rows rows = admin->query(
        "SELECT d.datname, (SELECT count(*) FROM pg_stat_activity a WHERE a.datname = d.datname), "
        "       starts_with(coalesce(shobj_description(d.oid, 'pg_database'), ''), $2) "
        "FROM pg_database d WHERE starts_with(d.datname, $1)",
        {std::string(kShadowPrefix), std::string(kKeptComment)});
    std::vector<DatabaseSeen> seen;
    for (const auto& r : rows) seen.push_back({r[0].str(), static_cast<int>(r[1].as_int()), r[2].as_bool()});
    for (const auto& stale : stale_shadows(seen, std::chrono::system_clock::now(), stale_after())) {
      try {
        admin->query("DROP DATABASE IF EXISTS " + admin->quote_name(stale));
        note("dropped " + stale + ", left on " + where + " by a rehearsal that did not finish");
      } catch (const DbError& e) {
        note("warning: could not drop the leftover shadow database " + stale + ": " + first_error_line(e.what()));
      }
    }
    admin->query("CREATE DATABASE " + admin->quote_name(name) + " TEMPLATE template0");
  } catch (const DbError& e) {
    bool denied = e.sqlstate() == "42501";
    return Error{"could not create the shadow database " + name + ": " + first_error_line(e.what()), where,
                 denied ? "the rehearsal creates a database: give its user CREATEDB, or put the shadow on another "
                          "server with --shadow-url or [rehearsal] server"
                        : ""};
  }
  return std::unique_ptr<ShadowDatabase>(new ShadowDatabase(std::move(admin), name, *url, note));
}

void ShadowDatabase::keep() {
  keep_ = true;
  try {
    admin_->query("COMMENT ON DATABASE " + admin_->quote_name(name_) + " IS " +
                  admin_->quote_literal(std::string(kKeptComment) + "; drop it yourself: DROP DATABASE " + name_));
  } catch (const DbError& e) {
    note_("warning: could not mark " + name_ + " as kept (" + first_error_line(e.what()) +
          "); a later rehearsal may drop it once nobody is connected");
  }
}

Status ShadowDatabase::drop() {
  if (dropped_ || keep_) return ok();
  try {
    admin_->query("DROP DATABASE IF EXISTS " + admin_->quote_name(name_) + " WITH (FORCE)");
    dropped_ = true;
  } catch (const DbError& e) {
    return Error{"could not drop the shadow database " + name_ + ": " + first_error_line(e.what()), "",
                 "the next rehearsal drops it, or: DROP DATABASE " + name_};
  }
  return ok();
}

ShadowDatabase::~ShadowDatabase() {
  if (auto d = drop(); !d) note_("warning: " + d.error().text() + " (" + d.error().hint + ")");
}

}  // namespace orch
