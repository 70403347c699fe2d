-- Conventions for every migration of this project: lowercase SQL; money is
-- numeric(18,2) (shared.money), rates numeric(10,6) (shared.rate); every
-- table has created_at / updated_at kept by shared.touch_updated_at();
-- invariants the database can hold are CHECK constraints.

create schema if not exists shared;
grant usage on schema shared to public;

create domain shared.money as numeric(18, 2);
create domain shared.rate as numeric(10, 6) check (value >= 0 and value <= 1);

create function shared.touch_updated_at() returns trigger
language plpgsql as $$
begin
    new.updated_at := now();
    return new;
end;
$$;

create table platform.tenants (
    code text primary key check (code ~ '^[a-z][a-z0-9_]{1,29}$'),
    name text not null check (length(name) between 1 and 200),
    schema_name text not null unique,
    role_name text not null unique,
    jurisdiction text,
    status text not null default 'active'
        check (status in ('trial', 'active', 'suspended', 'closed')),
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now()
);
create trigger tenants_touch before update on platform.tenants
    for each row execute function shared.touch_updated_at();

create table platform.operators (
    id bigint generated always as identity primary key,
    username text not null unique check (username ~ '^[A-Za-z0-9_.-]{2,64}$'),
    display_name text not null default '',
    password_hash text not null,
    must_change_password boolean not null default true,
    status text not null default 'active' check (status in ('active', 'disabled')),
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now()
);
create trigger operators_touch before update on platform.operators
    for each row execute function shared.touch_updated_at();
