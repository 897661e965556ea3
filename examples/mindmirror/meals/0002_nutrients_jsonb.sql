-- Per-food nutrient breakdown, free-form so new nutrients need no migration.
ALTER TABLE foods ADD COLUMN nutrients jsonb NOT NULL DEFAULT '{}'::jsonb;

UPDATE foods SET nutrients = jsonb_build_object('protein_g', 13.2, 'fibre_g', 10.1) WHERE name = 'oats';
UPDATE foods SET nutrients = jsonb_build_object('protein_g', 9.0, 'fibre_g', 7.9) WHERE name = 'lentils';
