-- Row-Level Security for mindmirror, applied by orchestrate's RLS phase after every service migrated,
-- all files in ONE transaction (so no BEGIN/COMMIT here). Per-user tables are covered declaratively in
-- services.toml ([[rls.policy]] owner_access, service_role_access); this file holds what does not fit
-- that pattern: privileges, and the shared catalogues every signed-in user may read.

GRANT USAGE ON SCHEMA users, habits, journal, meals, movements, practices TO authenticated, service_role;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA users, habits, journal, meals, movements, practices
    TO authenticated, service_role;

-- Catalogues: readable by every signed-in user, written only by the service role.
ALTER TABLE habits.habit_templates ENABLE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS catalog_read ON habits.habit_templates;
CREATE POLICY catalog_read ON habits.habit_templates FOR SELECT TO authenticated USING (NOT is_deleted);

ALTER TABLE journal.prompts ENABLE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS catalog_read ON journal.prompts;
CREATE POLICY catalog_read ON journal.prompts FOR SELECT TO authenticated USING (true);

ALTER TABLE meals.foods ENABLE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS catalog_read ON meals.foods;
CREATE POLICY catalog_read ON meals.foods FOR SELECT TO authenticated USING (true);

ALTER TABLE movements.exercises ENABLE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS catalog_read ON movements.exercises;
CREATE POLICY catalog_read ON movements.exercises FOR SELECT TO authenticated USING (true);
