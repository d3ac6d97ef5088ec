-- A revision per session record: UpdateSession writes a record back only
-- if its revision is still the one it read (compare-and-set), so two
-- concurrent changes (a PATCH and a session.start, two role changes)
-- both survive.
ALTER TABLE sessions ADD COLUMN revision INTEGER NOT NULL DEFAULT 0;
