-- What a user did, when, and how it felt.
CREATE TABLE movement_sessions (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id     uuid NOT NULL REFERENCES users.users (id) ON DELETE CASCADE,
    exercise_id integer NOT NULL REFERENCES exercises (id),
    started_at  timestamptz NOT NULL DEFAULT now(),
    seconds     integer NOT NULL CHECK (seconds > 0),
    effort      smallint CHECK (effort BETWEEN 1 AND 10)
);

CREATE INDEX movement_sessions_user ON movement_sessions (user_id, started_at DESC);
