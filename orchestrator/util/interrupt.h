#pragma once
// Ctrl-C as long loops deep below the engine see it (parsing a 100 MB seed file): the signal watcher
// raises this process-wide flag, and such loops stop at their next step with an "interrupted" error
// (exit 130) instead of finishing first. Waits and running services use the engine's CancelHub.
namespace orch::interrupt {

void request();
bool requested();
void reset_for_tests();

}  // namespace orch::interrupt
