DROP TABLE movement_sessions;
