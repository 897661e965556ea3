-- The exercise catalogue every practice routine is built from.
CREATE TABLE exercises (
    id        integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    slug      text NOT NULL UNIQUE,
    name      text NOT NULL,
    body_area text[] NOT NULL DEFAULT '{}'
);

INSERT INTO exercises (slug, name, body_area) VALUES
    ('cat-cow', 'Cat-cow', '{spine}'),
    ('box-breathing', 'Box breathing', '{breath}'),
    ('hip-circles', 'Hip circles', '{hips}');
