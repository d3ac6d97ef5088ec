-- The deployment's shared keys (guest ids, anonymous ballots): one value
-- per name, the first stored wins, so every instance uses the same.
CREATE TABLE secrets (
	name  TEXT PRIMARY KEY,
	value BYTEA NOT NULL
);
