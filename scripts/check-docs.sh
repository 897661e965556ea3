#!/usr/bin/env bash
# Keeps the docs true to the binary's command line, both ways:
#  - every `orchestrate …` command in README.md and docs/*.md (in code blocks and `inline code`) names a
#    real command, and each option it uses exists for that command (from `orchestrate CMD --help`);
#  - every command and every option of the binary appears in some doc, in such a command line.
#   scripts/check-docs.sh BINARY                 # README.md and docs/*.md of this checkout
#   scripts/check-docs.sh BINARY DOC.md ...      # only these files (the checker's own tests use this)
# Exit 0 when both hold; 1 with one line per problem (file:line, what, what to do).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${1:?usage: scripts/check-docs.sh BINARY [DOC.md ...]}
shift
if (($# == 0)); then set -- "$root/README.md" "$root"/docs/*.md; fi
exec /usr/bin/python3 - "$bin" "$@" <<'PY'
import re, subprocess, sys

binary, docs = sys.argv[1], sys.argv[2:]

def help_of(args):
    r = subprocess.run([binary, *args, "--help"], capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"error: `{binary} {' '.join(args)} --help` exited {r.returncode}: {r.stderr.strip()}")
    return r.stdout

# CLI11's help: "  -j,--jobs INT:..." or "  --fail-fast" under "Options:"; commands under "Subcommands:".
OPT = re.compile(r"^\s{2}((?:-[A-Za-z0-9],)?-{1,2}[A-Za-z0-9][\w-]*(?:,-{1,2}[\w-]+)*)(\s+[A-Z]+)?")
def parse_help(text):
    opts, cmds, section = {}, [], ""
    for line in text.splitlines():
        if re.match(r"^\S.*:$", line):
            section = line
            continue
        if section.startswith("Subcommands"):
            m = re.match(r"^\s{2}([a-z][\w-]*)\s", line)
            if m: cmds.append(m.group(1))
        elif section.startswith("Options") or section.startswith("[Option Group"):
            m = OPT.match(line)
            if m:
                names = m.group(1).split(",")
                canon = max(names, key=len)
                for n in names: opts[n] = (canon, bool(m.group(2)))
    return opts, cmds

global_opts, commands = parse_help(help_of([]))
per_cmd = {c: parse_help(help_of([c]))[0] for c in commands}
HELP = {"-h", "--help"}

problems, documented, named_cmds = [], set(), set()

def fragments(path):
    """(line, text) of each code line in a fence and each `inline code` span (which may wrap)."""
    text = open(path, encoding="utf-8").read()
    out, prose, in_fence = [], [], False
    for no, line in enumerate(text.splitlines(), 1):
        if line.lstrip().startswith("```"):
            in_fence = not in_fence
            prose.append((no, ""))
            continue
        if in_fence: out.append((no, line)); prose.append((no, ""))
        else: prose.append((no, line))
    joined, starts = "", []
    for no, line in prose:
        starts.append((len(joined), no))
        joined += line + "\n"
    for m in re.finditer(r"`([^`]+)`", joined):
        no = max(n for off, n in starts if off <= m.start())
        out.append((no, m.group(1).replace("\n", " ")))
    return out

INVOKE = re.compile(r"(^|[\s(/$])orchestrate[ \t]+(?=\S)")
STOP = re.compile(r"^(\||;|&&|\|\||#.*|\).*|.*>.*|<.*)$")

def check(path, no, frag):
    for m in INVOKE.finditer(frag):
        # A command line, not prose that mentions orchestrate: it is the first word of a shell command.
        head = re.sub(r"[\w./-]*/$", "", frag[:m.start()] + m.group(1)).rstrip()
        starts_line = head == "" or re.search(r"(\$|\(|\||;|&&|\bsudo|\w+=\S*)$", head) is not None
        toks = []
        for t in frag[m.end():].split():
            if STOP.match(t): break
            toks.append(t)
        where = f"{path}:{no}"
        cmd, i = None, 0
        while i < len(toks):  # global options before the command, then the command
            t = toks[i].strip("[]")
            if t.startswith("-") and len(t) > 1:
                name = t.split("=")[0]
                if name in global_opts:
                    documented.add(("", global_opts[name][0]))
                    i += 2 if global_opts[name][1] and "=" not in t else 1
                    continue
                if name in HELP: documented.add(("", "--help")); i += 1; continue
                if starts_line: problems.append(f"{where}: `orchestrate {' '.join(toks)}`: {name} is not a global option; see `orchestrate --help`")
                break
            cmd = t
            break
        if cmd is None: continue
        if cmd not in per_cmd:
            if starts_line and re.fullmatch(r"[a-z][a-z-]*", cmd):
                problems.append(f"{where}: `orchestrate {' '.join(toks)}`: there is no command \"{cmd}\"; the commands are: {', '.join(commands)}")
            continue
        named_cmds.add(cmd)
        opts = per_cmd[cmd]
        for t in toks[i + 1:]:
            for alt in t.strip("[]().,").split("|"):
                if not re.match(r"^-{1,2}[A-Za-z][\w-]*", alt): continue
                name = re.match(r"^-{1,2}[A-Za-z][\w-]*", alt).group(0)
                if name in HELP: documented.add(("", "--help"))
                elif name in opts: documented.add((cmd, opts[name][0]))
                elif name in global_opts: documented.add(("", global_opts[name][0]))
                else: problems.append(f"{where}: `orchestrate {cmd} … {name}`: `orchestrate {cmd}` has no option {name}; see `orchestrate {cmd} --help`, then fix the doc")

for path in docs:
    for no, frag in fragments(path):
        check(path, no, frag)

for c in commands:
    if c not in named_cmds:
        problems.append(f"the command `{c}` appears in no doc: show it as `orchestrate {c} …` in README.md's command list or a doc")
    for canon in sorted({v[0] for k, v in per_cmd[c].items() if k not in HELP}):
        if (c, canon) not in documented:
            problems.append(f"`orchestrate {c} {canon}` exists but no doc shows it: add it to README.md's command list (`orchestrate {c} [{canon} …]`) or to an example")
for canon in sorted({v[0] for k, v in global_opts.items() if k not in HELP} | {"--help"}):
    if ("", canon) not in documented:
        problems.append(f"the global option {canon} exists but no doc shows it: add it to README.md's command list")

for p in problems: print(p)
if problems:
    print(f"check-docs: {len(problems)} problem(s) between the docs and `{binary}`", file=sys.stderr)
    sys.exit(1)
print(f"check-docs: {len(commands)} commands and their options agree with {len(docs)} docs")
PY
