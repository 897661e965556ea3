#include "alembic/alembic_ini.h"

#include <fstream>
#include <regex>

#include "util/text.h"

namespace fs = std::filesystem;

namespace orch {

namespace {

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// Alembic's splits: the legacy one (no separator key) is its _split_on_space_comma.
std::vector<std::string> split_locations(const std::string& value, const std::string& separator) {
  std::vector<std::string> out;
  if (separator.empty()) {
    static const std::regex legacy(", *| +|\n");
    for (std::sregex_token_iterator it(value.begin(), value.end(), legacy, -1), end; it != end; ++it)
      if (!it->str().empty()) out.push_back(it->str());
    return out;
  }
  size_t start = 0;
  for (;;) {
    size_t at = value.find(separator, start);
    std::string item = trim(value.substr(start, at == std::string::npos ? std::string::npos : at - start));
    if (!item.empty()) out.push_back(item);
    if (at == std::string::npos) return out;
    start = at + separator.size();
  }
}

// The separator a key names, or nullopt for a value Alembic refuses (it says so itself when run).
std::optional<std::string> separator_named(const std::string& key, const std::string& name) {
  static const std::map<std::string, std::string> common = {{"space", " "}, {"os", ":"}, {":", ":"}, {";", ";"}};
  if (auto it = common.find(name); it != common.end()) return it->second;
  if (key == "path_separator" && name == "newline") return std::string("\n");  // Alembic >= 1.16
  return std::nullopt;
}

}  // namespace

std::optional<std::map<std::string, std::string>> read_ini_section(const fs::path& ini, const std::string& section) {
  std::ifstream in(ini);
  if (!in) return std::nullopt;
  std::map<std::string, std::string> out;
  std::string line, current, key;
  bool inside = false;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const std::string t = trim(line);
    if (t.empty() || t[0] == '#' || t[0] == ';') continue;
    if (!key.empty() && inside && (line[0] == ' ' || line[0] == '\t')) {  // a continuation line
      out[key] += (out[key].empty() ? "" : "\n") + t;
      continue;
    }
    key.clear();
    if (t[0] == '[') {
      inside = t == "[" + section + "]";
      continue;
    }
    if (!inside) continue;
    size_t eq = t.find_first_of("=:");
    if (eq == std::string::npos) continue;
    key = lower(trim(t.substr(0, eq)));
    out[key] = trim(t.substr(eq + 1));
  }
  return out;
}

VersionLocations version_locations_from_ini(const fs::path& ini, const fs::path& cwd) {
  VersionLocations out;
  auto keys = read_ini_section(ini, "alembic");
  if (!keys) {
    out.why_not = "cannot read " + ini.string();
    return out;
  }
  auto get = [&](const std::string& k) {
    auto it = keys->find(k);
    return it == keys->end() ? std::string() : it->second;
  };
  const std::string here = fs::absolute(ini).parent_path().string();
  auto expand = [&](std::string v) -> std::optional<fs::path> {
    const std::string tok = "%(here)s";
    for (size_t p; (p = v.find(tok)) != std::string::npos;) v.replace(p, tok.size(), here);
    if (v.find("%(") != std::string::npos) return std::nullopt;  // another interpolation: Alembic knows it
    fs::path p(v);
    if (!p.is_absolute() && v.find(':') != std::string::npos) return std::nullopt;  // package:resource
    return p.is_absolute() ? p : cwd / p;
  };
  const std::string locations = get("version_locations");
  if (!locations.empty()) {
    std::string separator;
    for (const char* k : {"path_separator", "version_path_separator"}) {
      if (!keys->count(k)) continue;
      auto sep = separator_named(k, get(k));
      if (!sep) {
        out.why_not = std::string(k) + " = " + get(k) + " is not one orchestrate knows";
        return out;
      }
      separator = *sep;
      break;
    }
    for (const auto& item : split_locations(locations, separator)) {
      auto p = expand(item);
      if (!p) {
        out.dirs.clear();
        out.why_not = "version_locations names " + item + ", which only Alembic can resolve";
        return out;
      }
      out.dirs.push_back(*p);
    }
  } else {
    const std::string script = get("script_location");
    auto p = script.empty() ? std::nullopt : expand(script);
    if (!p) {
      out.why_not = script.empty() ? "it has no script_location" : "script_location " + script + " is a package reference";
      return out;
    }
    out.dirs.push_back(*p / "versions");
  }
  const std::string rec = lower(get("recursive_version_locations"));
  out.recursive = rec == "true" || rec == "1" || rec == "yes" || rec == "on";
  return out;
}

}  // namespace orch
