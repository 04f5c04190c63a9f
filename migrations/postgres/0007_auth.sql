-- A grant is one (user, role, region): unique on the columns that form it,
-- whatever the adapter puts in the unused v3..v5.
CREATE UNIQUE INDEX casbin_rule_grant ON casbin_rule (v0, v1, v2) WHERE ptype = 'g';

-- The row triggers of 0001 refuse UPDATE and DELETE; TRUNCATE bypasses row
-- triggers, so it is refused by a statement trigger (also when cascaded).
CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only();
