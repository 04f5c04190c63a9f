-- A grant is one (user, role, region): unique on the columns that form it,
-- whatever the adapter puts in the unused v3..v5.
CREATE UNIQUE INDEX casbin_rule_grant ON casbin_rule (v0, v1, v2) WHERE ptype = 'g';
