#include "cli/completion.h"

namespace orch {

namespace {

CliOption read_option(const CLI::Option* o) {
  CliOption out;
  for (const auto& l : o->get_lnames()) out.names.push_back("--" + l);
  for (const auto& s : o->get_snames()) out.names.push_back("-" + s);
  out.takes_value = o->get_type_size() != 0;
  out.description = o->get_description();
  if (o->check_lname("only")) out.completes = "services";
  if (o->check_lname("target")) out.completes = "targets";
  return out;
}

}  // namespace

CliModel read_cli(const CLI::App& app) {
  CliModel m;
  m.description = app.get_description();
  m.footer = app.get_footer();
  for (const CLI::Option* o : app.get_options())
    if (!o->get_lnames().empty() && !o->check_lname("help")) m.global.push_back(read_option(o));
  for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; })) {
    CliCommand c;
    c.name = sub->get_name();
    c.description = sub->get_description();
    for (const CLI::Option* o : sub->get_options()) {
      if (o->get_positional()) {
        c.positional = o->get_name() == "service" ? "services" : o->get_name() == "shell" ? "shells" : "";
      } else if (!o->check_lname("help")) {
        c.options.push_back(read_option(o));
      }
    }
    m.commands.push_back(c);
  }
  return m;
}

}  // namespace orch
