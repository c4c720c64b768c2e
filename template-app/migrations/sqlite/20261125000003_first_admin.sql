-- The first user to register becomes the admin. Registration claims this one row; the
-- primary key lets exactly one registration succeed, even when two arrive at once on
-- two replicas (a check for "no users yet" cannot promise that under concurrency).
CREATE TABLE first_admin (
    claim TEXT PRIMARY KEY CHECK (claim = 'claimed')
);

-- A database that already has users already has its admin.
INSERT INTO first_admin (claim) SELECT 'claimed' WHERE EXISTS (SELECT 1 FROM users);
