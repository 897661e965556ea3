#pragma once
// How `plan` shows its PlanView: text for people, JSON (schema_version 1) for tools.
#include <ostream>

#include "engine/plan_engine.h"
#include "manifest/manifest.h"

namespace orch {

void render_plan_text(const Manifest& m, const PlanView& plan, std::ostream& out);
void render_plan_json(const Manifest& m, const PlanView& plan, std::ostream& out);

}  // namespace orch
