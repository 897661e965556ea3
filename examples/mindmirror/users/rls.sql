-- users.users is keyed by id, not user_id: a user sees and edits only their own row.
ALTER TABLE users.users ENABLE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS own_row ON users.users;
CREATE POLICY own_row ON users.users FOR ALL TO authenticated
    USING (id = auth.uid()) WITH CHECK (id = auth.uid());
