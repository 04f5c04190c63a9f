-- Set by an administrator's password reset: the user must choose a new
-- password before doing anything else.
ALTER TABLE users ADD COLUMN must_change_password BOOLEAN NOT NULL DEFAULT FALSE;
