-- Operators' roles (casbin domain `ops`) and password history.
alter table platform.operators
    add column roles text[] not null default '{admin}',
    add column previous_password_hashes text[] not null default '{}',
    add column password_changed_at timestamptz;

create table platform.operator_role_permissions (
    role_code text not null check (role_code ~ '^[a-z][a-z0-9_]{1,39}$'),
    permission text not null check (permission ~ '^[a-z0-9_.*]{1,80}$'),
    created_at timestamptz not null default now(),
    primary key (role_code, permission)
);
insert into platform.operator_role_permissions (role_code, permission) values
    ('admin', '*'),
    ('support', '*.read'),
    ('support', 'job.rerun'),
    ('auditor', '*.read');
