-- Who took an escalation in hand, before it is resolved.
ALTER TABLE escalations ADD COLUMN taken_by TEXT NOT NULL DEFAULT '';
