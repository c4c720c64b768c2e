-- Every token carries the version its account had when it was issued; a password,
-- email or role change, or "sign out everywhere", raises it, and older tokens stop
-- working (security review M2).
ALTER TABLE users ADD COLUMN token_version BIGINT NOT NULL DEFAULT 0;
