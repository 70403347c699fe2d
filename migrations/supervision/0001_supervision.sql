-- The regulator's schema. Firms never read it; they write their own rows
-- only through SECURITY DEFINER functions that take the firm from the
-- transaction's role (added with the supervision feed).

create schema if not exists supervision;

create table supervision.jurisdictions (
    code text primary key check (code ~ '^[0-9A-Za-z_-]{2,20}$'),
    name text not null,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now()
);
create trigger jurisdictions_touch before update on supervision.jurisdictions
    for each row execute function shared.touch_updated_at();

create table supervision.regulators (
    id bigint generated always as identity primary key,
    username text not null unique check (username ~ '^[A-Za-z0-9_.-]{2,64}$'),
    display_name text not null default '',
    password_hash text not null,
    must_change_password boolean not null default true,
    jurisdictions text[] not null default '{}',
    status text not null default 'active' check (status in ('active', 'disabled')),
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now()
);
create trigger regulators_touch before update on supervision.regulators
    for each row execute function shared.touch_updated_at();
