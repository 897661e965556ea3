#include "report/cli_docs.h"

#include <sstream>

#include "util/text.h"

namespace orch {

std::string bash_completion(const CliModel& m) {
  std::ostringstream o;
  o << "# bash completion for orchestrate (orchestrate completion bash); source it, or put it in\n"
       "# /usr/share/bash-completion/completions/orchestrate\n"
       "_orchestrate() {\n"
       "  local cur prev cmd i\n"
       "  cur=${COMP_WORDS[COMP_CWORD]}\n  prev=${COMP_WORDS[COMP_CWORD-1]}\n"
       "  for ((i = 1; i < COMP_CWORD; i++)); do\n"
       "    case ${COMP_WORDS[i]} in -*) ;; *) cmd=${COMP_WORDS[i]}; break ;; esac\n"
       "  done\n"
       "  case $prev in\n"
       "    --only) COMPREPLY=($(compgen -W \"$(orchestrate completion --names services 2>/dev/null)\" -- \"$cur\")); return ;;\n"
       "    --target) COMPREPLY=($(compgen -W \"$(orchestrate completion --names targets 2>/dev/null)\" -- \"$cur\")); return ;;\n"
       "    -f|--file|--events) COMPREPLY=($(compgen -f -- \"$cur\")); return ;;\n"
       "  esac\n"
       "  local global=\"";
  std::vector<std::string> g, cmds;
  for (const auto& opt : m.global) g.insert(g.end(), opt.names.begin(), opt.names.end());
  for (const auto& c : m.commands) cmds.push_back(c.name);
  o << join(g, " ") << "\"\n  case $cmd in\n";
  for (const auto& c : m.commands) {
    std::vector<std::string> names;
    for (const auto& opt : c.options) names.insert(names.end(), opt.names.begin(), opt.names.end());
    o << "    " << c.name << ")\n";
    if (c.positional == "services")
      o << "      [[ $cur != -* ]] && { COMPREPLY=($(compgen -W \"$(orchestrate completion --names services 2>/dev/null)\" -- \"$cur\")); return; }\n";
    if (c.positional == "shells") o << "      [[ $cur != -* ]] && { COMPREPLY=($(compgen -W \"bash zsh fish\" -- \"$cur\")); return; }\n";
    o << "      COMPREPLY=($(compgen -W \"" << join(names, " ") << " $global\" -- \"$cur\")) ;;\n";
  }
  o << "    *) COMPREPLY=($(compgen -W \"" << join(cmds, " ") << " $global\" -- \"$cur\")) ;;\n  esac\n}\n"
    << "complete -F _orchestrate orchestrate\n";
  return o.str();
}

std::string zsh_completion(const CliModel& m) {
  std::ostringstream o;
  o << "#compdef orchestrate\n# zsh completion for orchestrate (orchestrate completion zsh): put it in $fpath as _orchestrate\n"
       "_orchestrate_names() { local -a n; n=(${(f)\"$(orchestrate completion --names $1 2>/dev/null)\"}); _describe $1 n; }\n"
       "_orchestrate() {\n  local -a commands\n  commands=(\n";
  for (const auto& c : m.commands) o << "    '" << c.name << ":" << replace_all(c.description, "'", "'\\''") << "'\n";
  o << "  )\n  if (( CURRENT == 2 )); then _describe command commands; return; fi\n  case ${words[2]} in\n";
  for (const auto& c : m.commands) {
    o << "    " << c.name << ") _arguments";
    for (const auto& opt : c.options)
      for (const auto& n : opt.names) {
        std::string action = opt.completes.empty() ? (opt.takes_value ? ":value:" : "") : ":" + opt.completes + ":_orchestrate_names " + opt.completes;
        o << " '" << n << "[" << replace_all(replace_all(opt.description, "'", "'\\''"), "]", ")") << "]" << action << "'";
      }
    if (c.positional == "services") o << " '1:service:_orchestrate_names services'";
    if (c.positional == "shells") o << " '1:shell:(bash zsh fish)'";
    o << " ;;\n";
  }
  o << "  esac\n}\n_orchestrate \"$@\"\n";
  return o.str();
}

std::string fish_completion(const CliModel& m) {
  std::ostringstream o;
  o << "# fish completion for orchestrate (orchestrate completion fish > ~/.config/fish/completions/orchestrate.fish)\n"
       "complete -c orchestrate -f\n";
  std::vector<std::string> cmds;
  for (const auto& c : m.commands) cmds.push_back(c.name);
  const std::string none = "not __fish_seen_subcommand_from " + join(cmds, " ");
  for (const auto& c : m.commands)
    o << "complete -c orchestrate -n '" << none << "' -a " << c.name << " -d '" << replace_all(c.description, "'", "\\'") << "'\n";
  auto option = [&](const CliOption& opt, const std::string& cond) {
    o << "complete -c orchestrate" << (cond.empty() ? "" : " -n '" + cond + "'");
    for (const auto& n : opt.names) o << (n.rfind("--", 0) == 0 ? " -l " + n.substr(2) : " -s " + n.substr(1));
    if (opt.takes_value) o << " -r";
    if (!opt.completes.empty()) o << " -a '(orchestrate completion --names " << opt.completes << " 2>/dev/null)'";
    o << " -d '" << replace_all(opt.description, "'", "\\'") << "'\n";
  };
  for (const auto& opt : m.global) option(opt, "");
  for (const auto& c : m.commands) {
    for (const auto& opt : c.options) option(opt, "__fish_seen_subcommand_from " + c.name);
    if (c.positional == "services")
      o << "complete -c orchestrate -n '__fish_seen_subcommand_from " << c.name
        << "' -a '(orchestrate completion --names services 2>/dev/null)'\n";
    if (c.positional == "shells") o << "complete -c orchestrate -n '__fish_seen_subcommand_from " << c.name << "' -a 'bash zsh fish'\n";
  }
  return o.str();
}

namespace {

std::string roff(const std::string& s) {
  std::string out = replace_all(s, "\\", "\\e");
  if (!out.empty() && (out[0] == '.' || out[0] == '\'')) out = "\\&" + out;
  return replace_all(out, "-", "\\-");
}

void man_options(std::ostringstream& o, const std::vector<CliOption>& opts) {
  for (const auto& opt : opts) {
    o << ".TP\n\\fB" << roff(join(opt.names, ", ")) << "\\fR" << (opt.takes_value ? " \\fIVALUE\\fR" : "") << "\n"
      << roff(opt.description) << "\n";
  }
}

}  // namespace

std::string man_page(const CliModel& m, const std::string& version) {
  std::ostringstream o;
  o << ".TH ORCHESTRATE 1 \"\" \"orchestrate " << version << "\" \"User Commands\"\n"
    << ".SH NAME\norchestrate \\- " << roff(m.description.substr(m.description.find(':') == std::string::npos ? 0 : m.description.find(':') + 2)) << "\n"
    << ".SH SYNOPSIS\n\\fBorchestrate\\fR [\\fIGLOBAL OPTIONS\\fR] \\fICOMMAND\\fR [\\fIOPTIONS\\fR]\n"
    << ".SH DESCRIPTION\nEach service of a product owns a PostgreSQL schema and its own migrations (Alembic, SQL files or any "
       "command); \\fIservices.toml\\fR says which, and what depends on what. See the documentation in docs/ of the "
       "source tree, or /usr/share/doc/orchestrate.\n"
    << ".SH GLOBAL OPTIONS\n";
  man_options(o, m.global);
  o << ".SH COMMANDS\n";
  for (const auto& c : m.commands) {
    o << ".SS " << c.name << (c.positional.empty() ? "" : c.positional == "shells" ? " \\fISHELL\\fR" : " \\fISERVICE\\fR") << "\n"
      << roff(c.description) << "\n";
    man_options(o, c.options);
  }
  o << ".SH EXIT STATUS AND ENVIRONMENT\n.nf\n" << roff(m.footer) << "\n.fi\n";
  return o.str();
}

}  // namespace orch
