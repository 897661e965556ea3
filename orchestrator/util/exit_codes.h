#pragma once
// Documented in docs/exit-codes.md; scripts depend on these numbers, so they never change meaning.
namespace orch::exit_code {
constexpr int kOk = 0;
constexpr int kFailed = 1;       // a service, the RLS phase, or the connection failed
constexpr int kUsage = 2;        // bad arguments or manifest
constexpr int kFindings = 3;     // check/status --check found something
constexpr int kLockBusy = 4;     // another run holds the lock
constexpr int kWaitTimeout = 5;  // `wait`: not ready within --timeout
constexpr int kInterrupted = 130;
}  // namespace orch::exit_code
