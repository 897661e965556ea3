-- A routine's steps belong to whoever owns the routine.
ALTER TABLE practices.routine_steps ENABLE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS owner_via_routine ON practices.routine_steps;
CREATE POLICY owner_via_routine ON practices.routine_steps FOR ALL TO authenticated
    USING (EXISTS (SELECT 1 FROM practices.routines r WHERE r.id = routine_id AND r.user_id = auth.uid()))
    WITH CHECK (EXISTS (SELECT 1 FROM practices.routines r WHERE r.id = routine_id AND r.user_id = auth.uid()));
