#pragma once
// The screen the dashboard draws on. Tests substitute a fake with a fixed width that records frames.
#include <string>

namespace orch {

class Terminal {
 public:
  virtual ~Terminal() = default;
  virtual int width() const = 0;  // columns, read at every frame so a resize redraws to fit
  virtual bool color() const = 0;
  virtual void write(const std::string& bytes) = 0;
};

// Standard output, sized with TIOCGWINSZ (COLUMNS, then 80, when that fails).
class StdoutTerminal : public Terminal {
 public:
  explicit StdoutTerminal(bool color) : color_(color) {}
  int width() const override;
  bool color() const override { return color_; }
  void write(const std::string& bytes) override;

 private:
  bool color_;
};

}  // namespace orch
