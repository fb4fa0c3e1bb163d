-- The intent of an action's post, so that switches by intent apply when
-- the action is sent and the audit row of its outcome names it.
ALTER TABLE outbox ADD COLUMN intent TEXT NOT NULL DEFAULT '';

-- Reports and charts count by period.
CREATE INDEX outbox_created ON outbox (created);
CREATE INDEX escalations_created ON escalations (created);
