-- Regulators' actions, with the same shape as the operators' trail (and a
-- tenant's): the table is copied from platform.audit_events.
create table supervision.audit_events (like platform.audit_events including all);
