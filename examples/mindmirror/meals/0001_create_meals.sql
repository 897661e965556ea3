-- Foods and what users ate. The meals service owns schema "meals"; users.users is its parent.
CREATE TYPE meal_kind AS ENUM ('breakfast', 'lunch', 'dinner', 'snack');

CREATE TABLE foods (
    id          integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name        text NOT NULL UNIQUE,
    kcal_per_100g numeric(6, 1) NOT NULL CHECK (kcal_per_100g >= 0)
);

CREATE TABLE meal_logs (
    id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id   uuid NOT NULL REFERENCES users.users (id) ON DELETE CASCADE,
    kind      meal_kind NOT NULL,
    eaten_at  timestamptz NOT NULL DEFAULT now(),
    food_id   integer REFERENCES foods (id),
    grams     integer CHECK (grams > 0)
);

CREATE INDEX meal_logs_user_time ON meal_logs (user_id, eaten_at DESC);

INSERT INTO foods (name, kcal_per_100g) VALUES
    ('oats', 389), ('banana', 89), ('lentils', 116), ('yoghurt', 61);
