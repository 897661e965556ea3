#include "dashboard/frame.h"

#include <algorithm>
#include <cstdio>

#include "util/duration.h"
#include "util/text.h"

namespace orch {

size_t display_width(const std::string& s) {
  size_t w = 0;
  for (size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c == 0x1b) {  // CSI ... letter
      i += 2;
      while (i < s.size() && !std::isalpha(static_cast<unsigned char>(s[i]))) ++i;
      ++i;
      continue;
    }
    i += c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : 4;
    ++w;
  }
  return w;
}

namespace {

const char* kSpinner[] = {"⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"};

std::string pad(const std::string& s, size_t w) {
  size_t dw = display_width(s);
  return dw >= w ? s : s + std::string(w - dw, ' ');
}

struct Look {
  const char* icon;
  const char* color;
};

Look look(const std::string& state) {
  if (state == "applied" || state == "up-to-date" || state == "succeeded") return {"✓", "\x1b[32m"};
  if (state == "failed") return {"✗", "\x1b[31m"};
  if (state == "running") return {"", "\x1b[36m"};
  if (state == "skipped" || state == "not-reached" || state == "interrupted") return {"-", "\x1b[33m"};
  return {"·", "\x1b[2m"};  // queued, waiting
}

std::string elapsed(const DashRow& r, DashClock::time_point now) {
  if (!r.started) return "";
  auto end = r.ended ? r.ended_at : now;
  return format_duration(std::chrono::duration_cast<Millis>(end - r.started_at));
}

}  // namespace

std::vector<std::string> render_frame(const DashHeader& h, const std::vector<DashRow>& rows, int width,
                                      DashClock::time_point now, bool color, int spinner_frame) {
  const size_t W = static_cast<size_t>(std::max(20, width));
  std::vector<std::string> out;
  auto fit = [&](const std::string& plain, const char* on) {
    std::string t = elide(plain, W);
    while (!t.empty() && t.back() == ' ') t.pop_back();
    out.push_back(color && on && *on ? std::string(on) + t + "\x1b[0m" : t);
  };
  int running = 0, done = 0, failed = 0, waiting = 0;
  for (const auto& r : rows) {
    if (r.state == "running") ++running;
    else if (r.state == "failed") ++failed;
    else if (r.state == "queued" || r.state == "waiting") ++waiting;
    else ++done;
  }
  std::string head = h.title + " · run " + h.run_id + " · " +
                     format_duration(std::chrono::duration_cast<Millis>(now - h.started_at)) + " · " +
                     std::to_string(running) + " running, " + std::to_string(done) + " done, " + std::to_string(failed) +
                     " failed, " + std::to_string(waiting) + " waiting";
  fit(head, "\x1b[1m");

  size_t label_w = 4;
  for (const auto& r : rows) label_w = std::max(label_w, display_width(r.label));
  label_w = std::min(label_w, W / 4);
  size_t rev_w = 0;
  for (const auto& r : rows) rev_w = std::max(rev_w, display_width(r.revisions));
  rev_w = std::min(rev_w, W / 3);
  for (const auto& r : rows) {
    Look lk = look(r.state);
    std::string icon = r.state == "running" ? kSpinner[spinner_frame % 10] : lk.icon;
    std::string state = r.state;
    if (r.state == "waiting" && !r.waiting_for.empty()) state = "waiting for " + r.waiting_for;
    if (r.state == "skipped" && !r.reason.empty()) state = "skipped (" + r.reason + ")";
    std::string line = icon + " " + pad(elide(r.label, label_w), label_w) + "  " + pad(state, 12);
    line += "  " + pad(elapsed(r, now), 7);
    if (rev_w) line += "  " + pad(elide(r.revisions, rev_w), rev_w);
    if (r.total >= 0) line += "  " + std::to_string(r.done) + "/" + std::to_string(r.total);
    if (r.state == "running" && !r.blocked_by.empty()) line += "  blocked by " + r.blocked_by + " ·";
    if (r.state == "running" && !r.last_line.empty()) line += "  " + r.last_line;
    if ((r.state == "failed" || r.state == "not-reached") && !r.reason.empty()) line += "  " + r.reason;
    fit(line, lk.color);
    if (r.state == "failed")
      for (const auto& t : r.tail) fit("    " + t, "\x1b[2m");
  }
  if (!h.note.empty()) fit(h.note, "\x1b[2m");
  return out;
}


}  // namespace orch
