-- Tasks across sessions (issue 14): one row per copy of a task in one
-- session's notes. item is the CRDT id ("client:clock") of the taskItem
-- element that stands for the task there ('' while a carried copy is
-- being written); a task carried into the next occurrence gets a row
-- there with the same task_id and origin the session it came from.
-- checked is the task's last known state, the same in every copy; seen
-- is the CRDT id of the item's "checked" value in this copy's document
-- last accounted for, so a change seen there is told from a stale read.
CREATE TABLE task_items (
	task_id    TEXT NOT NULL,
	session_id TEXT NOT NULL,
	item       TEXT NOT NULL,
	origin     TEXT NOT NULL DEFAULT '',
	text       TEXT NOT NULL,
	checked    INTEGER NOT NULL DEFAULT 0,
	seen       TEXT NOT NULL DEFAULT '',
	created_ns BIGINT NOT NULL,
	PRIMARY KEY (session_id, task_id)
);
CREATE UNIQUE INDEX task_items_item ON task_items (session_id, item) WHERE item <> '';
CREATE INDEX task_items_task ON task_items (task_id);
