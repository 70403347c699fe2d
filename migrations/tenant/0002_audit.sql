-- The tenant's audit trail: append-only. Each row carries its transaction id;
-- a background sealer links rows into a SHA-256 hash chain in
-- (xid, id) order once their transactions have all finished.

create table audit_events (
    id bigint generated always as identity primary key,
    xid xid8 not null default pg_current_xact_id(),
    occurred_at timestamptz not null default now(),
    actor_kind text not null check (actor_kind in ('staff', 'operator', 'regulator', 'system', 'anonymous')),
    actor_id bigint,
    actor_name text not null default '',
    actor_roles text[] not null default '{}',
    action text not null,
    entity_type text not null,
    entity_id text,
    before jsonb,
    after jsonb,
    diff jsonb,
    request_id text,
    ip text,
    user_agent text,
    chain_seq bigint unique,
    prev_hash bytea,
    hash bytea
);
create index audit_events_entity on audit_events (entity_type, entity_id);
create index audit_events_unsealed on audit_events (xid, id) where chain_seq is null;
