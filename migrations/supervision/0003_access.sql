-- Regulators' roles (casbin domains = the jurisdictions they supervise),
-- password history, and the daily anchors of every audit chain, out of the
-- firms' reach.
alter table supervision.regulators
    add column roles text[] not null default '{supervisor}',
    add column previous_password_hashes text[] not null default '{}',
    add column password_changed_at timestamptz;

create table supervision.regulator_role_permissions (
    role_code text not null check (role_code ~ '^[a-z][a-z0-9_]{1,39}$'),
    permission text not null check (permission ~ '^[a-z0-9_.*]{1,80}$'),
    created_at timestamptz not null default now(),
    primary key (role_code, permission)
);
insert into supervision.regulator_role_permissions (role_code, permission) values
    ('supervisor', '*'),
    ('inspector', '*.read'),
    ('inspector', 'inspection.*'),
    ('viewer', '*.read');

-- The head of an audit chain at the end of each day it grew: `scope` is the
-- tenant's schema, `platform` or `supervision`.
create table supervision.audit_anchors (
    scope text not null,
    day date not null,
    chain_seq bigint not null,
    hash bytea not null,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    primary key (scope, day)
);
create trigger audit_anchors_touch before update on supervision.audit_anchors
    for each row execute function shared.touch_updated_at();
