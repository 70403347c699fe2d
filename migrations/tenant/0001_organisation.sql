-- A lending company's own schema; runs as the tenant's role, with the
-- search path set to the tenant schema only.

create table branches (
    id bigint generated always as identity primary key,
    code text not null check (code ~ '^[A-Za-z0-9_-]{1,20}$'),
    name text not null check (length(name) between 1 and 100),
    status text not null default 'active' check (status in ('active', 'closed')),
    closed_at timestamptz,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    constraint branches_code_key unique (code),
    check ((status = 'closed') = (closed_at is not null))
);
create trigger branches_touch before update on branches
    for each row execute function shared.touch_updated_at();

create table users (
    id bigint generated always as identity primary key,
    username text not null check (username ~ '^[A-Za-z0-9_.-]{2,64}$'),
    display_name text not null default '',
    password_hash text not null,
    must_change_password boolean not null default true,
    branch_id bigint references branches (id),
    status text not null default 'active' check (status in ('active', 'disabled')),
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    constraint users_username_key unique (username)
);
create trigger users_touch before update on users
    for each row execute function shared.touch_updated_at();
