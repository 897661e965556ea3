#pragma once
// A watchdog for the process groups of orchestrate's children. PR_SET_PDEATHSIG reaches only a direct
// child: when orchestrate is SIGKILLed (or OOM-killed), what that child started (psql under `sh -c`, a
// forked Alembic job) would live on with ppid 1 and could commit after the run lock was freed. So every
// child's process group is registered with a small separate process, started on first use, that holds
// one end of a socket pair only orchestrate holds the other end of. When orchestrate ends, however it ends, the
// watchdog sees end-of-file and SIGKILLs every group still registered, then exits.
//
// The watchdog is this same program (/proc/self/exe) run with a hidden argument, caught before main by
// a constructor in group_watchdog.cc: never a bare fork() of a multithreaded process that would then
// run code that is not async-signal-safe. It is in a process group of its own and ignores SIGINT,
// SIGTERM, SIGHUP and SIGQUIT, so Ctrl-C at the terminal does not take it away before it is needed.
//
// Out of reach: a descendant that leaves its group on purpose (setsid, setpgid), and a group whose
// leader was reaped and whose pgid was reused in the moment before it was unwatched.
#include <sys/types.h>

namespace orch {

// Registers `pgid` (thread-safe); starts the watchdog on first use. A watchdog that cannot start is
// reported once on stderr; children then have only PR_SET_PDEATHSIG.
void watch_process_group(pid_t pgid);
// The group ended (it was SIGKILLed, or its last member exited): forget it.
void unwatch_process_group(pid_t pgid);

// For a child that makes its own group between fork and exec, without the gap in which orchestrate
// could die after the fork but before registering it: prepare_group_watchdog() in the parent before
// forking, then watch_own_group_in_child() in the child right after setpgid(0, 0). The latter is
// async-signal-safe (getpid and write only) and does nothing when there is no watchdog.
void prepare_group_watchdog();
void watch_own_group_in_child() noexcept;

}  // namespace orch
