-- Every stored upload and its owner (security review H3): quotas count them, their owner
-- or an admin deletes them, and they go with their owner's account. Files uploaded
-- before this migration have no row: they are still served, and only an admin can
-- delete them.
CREATE TABLE uploads (
    name         TEXT    PRIMARY KEY,
    owner_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    size         INTEGER NOT NULL CHECK (size >= 0),
    content_type TEXT    NOT NULL,
    created_at   TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

CREATE INDEX uploads_by_owner ON uploads (owner_id);
