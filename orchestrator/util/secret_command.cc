#include "util/secret_command.h"

#include <boost/process.hpp>

#include <map>
#include <mutex>
#include <thread>

#include "util/text.h"

namespace bp = boost::process;

namespace orch {

Result<std::vector<std::string>> split_command_line(const std::string& text) {
  std::vector<std::string> out;
  std::string word;
  bool in_word = false;
  char quote = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (quote) {
      if (c == quote) quote = 0;
      else if (c == '\\' && quote == '"' && i + 1 < text.size() && (text[i + 1] == '"' || text[i + 1] == '\\')) word += text[++i];
      else word += c;
    } else if (c == '\'' || c == '"') {
      quote = c;
      in_word = true;
    } else if (c == '\\' && i + 1 < text.size()) {
      word += text[++i];
      in_word = true;
    } else if (c == ' ' || c == '\t' || c == '\n') {
      if (in_word) out.push_back(word), word.clear(), in_word = false;
    } else {
      word += c;
      in_word = true;
    }
  }
  if (quote) return Error{std::string("unterminated ") + (quote == '"' ? "\"" : "'") + " quote in the command"};
  if (in_word) out.push_back(word);
  if (out.empty()) return Error{"the command is empty"};
  return out;
}

namespace {

Result<std::string> run_once(const std::vector<std::string>& argv, const std::string& cwd, std::chrono::milliseconds timeout) {
  const std::string exe = argv[0].find('/') == std::string::npos ? bp::search_path(argv[0]).string() : argv[0];
  if (exe.empty()) return Error{"command not found: " + argv[0]};
  bp::ipstream out, err;
  std::string stdout_text, stderr_text;
  try {
    bp::child child(exe, bp::args(std::vector<std::string>(argv.begin() + 1, argv.end())), bp::std_in < bp::null,
                    bp::std_out > out, bp::std_err > err, bp::start_dir = cwd.empty() ? "." : cwd);
    std::thread read_out([&] { stdout_text.assign(std::istreambuf_iterator<char>(out), {}); });
    std::thread read_err([&] { stderr_text.assign(std::istreambuf_iterator<char>(err), {}); });
    std::error_code ec;
    if (!child.wait_for(timeout, ec)) {
      child.terminate(ec);
      read_out.join();
      read_err.join();
      return Error{"`" + argv[0] + "` did not finish within " + std::to_string(timeout.count() / 1000) + " s"};
    }
    read_out.join();
    read_err.join();
    if (child.exit_code() != 0) {
      std::vector<std::string> lines = split(trim(stderr_text), '\n');
      return Error{"`" + argv[0] + "` exited with code " + std::to_string(child.exit_code()) +
                   (lines.empty() || lines.back().empty() ? "" : ": " + trim(lines.back()))};
    }
  } catch (const std::exception& e) {
    return Error{"cannot run `" + argv[0] + "`: " + e.what()};
  }
  std::string secret = trim(stdout_text);
  if (secret.empty()) return Error{"`" + argv[0] + "` printed nothing"};
  return secret;
}

}  // namespace

Result<std::string> run_command_output(const std::vector<std::string>& argv, const std::string& cwd,
                                       std::chrono::milliseconds timeout) {
  if (argv.empty()) return Error{"the command is empty"};
  return run_once(argv, cwd, timeout);
}

Result<std::string> run_secret_command(const std::string& command_line, std::chrono::milliseconds timeout) {
  static std::mutex mu;
  static std::map<std::string, Result<std::string>> cache;  // once per invocation, however many targets use it
  std::lock_guard<std::mutex> lock(mu);
  if (auto it = cache.find(command_line); it != cache.end()) return it->second;
  auto argv = split_command_line(command_line);
  Result<std::string> r = argv ? run_once(*argv, "", timeout) : Result<std::string>(argv.error());
  cache.emplace(command_line, r);
  return r;
}

}  // namespace orch
