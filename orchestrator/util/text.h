#pragma once
// Small string helpers shared by the manifest, the runners and the report.
#include <string>
#include <string_view>
#include <vector>

namespace orch {

std::string trim(std::string_view s);
std::vector<std::string> split(std::string_view s, char sep);
std::string join(const std::vector<std::string>& parts, std::string_view sep);
bool starts_with(std::string_view s, std::string_view prefix);
bool ends_with(std::string_view s, std::string_view suffix);

// The closest candidate within a small edit distance, for "did you mean" hints; else the one candidate
// the word is a `_`/`-`/`.`-separated part of ("journal" for journal_service); empty when none fits.
std::string closest_match(std::string_view word, const std::vector<std::string>& candidates);

// Cuts `s` to `width` display columns, ending in "…" when it had to cut (UTF-8 aware enough for logs).
std::string elide(std::string_view s, size_t width);

// Revisions as a person reads them: "(none)", "abc123", "abc123+def456" for several heads.
std::string format_revisions(const std::vector<std::string>& revs);

// "1 service", "2 services": a count with its noun in the number it needs (plural: noun + "s").
std::string counted(size_t n, const std::string& noun);

// Every occurrence of `from` replaced by `to`.
std::string replace_all(std::string s, const std::string& from, const std::string& to);

// The pid in a lock-timeout line that names its blocker ("… is held by pid 4242 (…"; db/lock_blocker
// writes it), or "" when the line names none. The dashboard and the event stream read it from there.
std::string blocker_pid_in(const std::string& line);

// A whole regular file's text; "" when it cannot be read or is not a regular file (a FIFO, a device):
// callers that must say why open it themselves.
std::string read_text_file(const std::string& path);

}  // namespace orch
