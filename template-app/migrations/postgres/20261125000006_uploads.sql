-- Every stored upload and its owner (security review H3): quotas count them, their owner
-- or an admin deletes them, and they go with their owner's account. Files uploaded
-- before this migration have no row: they are still served, and only an admin can
-- delete them.
CREATE TABLE uploads (
    name         TEXT   PRIMARY KEY,
    owner_id     BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    size         BIGINT NOT NULL CHECK (size >= 0),
    content_type TEXT   NOT NULL,
    created_at   TEXT   NOT NULL DEFAULT to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
);

CREATE INDEX uploads_by_owner ON uploads (owner_id);
