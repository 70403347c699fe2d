-- The firm profile the company keeps (basic data, shareholders, executives;
-- its bank accounts and funding are the ledger's own registers) and its
-- monthly filings (报送): prepared by finance, submitted by the admin, then
-- immutable here and in `supervision`; a correction is a new version.

create table firm_profile (
    id boolean primary key default true check (id),
    basic jsonb not null default '{}',
    shareholders jsonb not null default '[]',
    executives jsonb not null default '[]',
    -- The latest version published to the regulator.
    published_version integer,
    published_at timestamptz,
    published_hash text,
    updated_by bigint,
    updated_by_name text not null default '',
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now()
);
create trigger firm_profile_touch before update on firm_profile
    for each row execute function shared.touch_updated_at();

create table filings (
    id bigint generated always as identity primary key,
    kind text not null check (kind in ('financial_position', 'loan_report', 'operating_indicators')),
    period date not null check (extract(day from period) = 1),
    version integer not null check (version >= 1),
    status text not null default 'prepared' check (status in ('prepared', 'submitted')),
    content jsonb not null,
    content_hash text not null check (content_hash ~ '^[0-9a-f]{64}$'),
    prepared_by bigint,
    prepared_by_name text not null,
    prepared_at timestamptz not null default now(),
    submitted_by bigint,
    submitted_by_name text,
    submitted_at timestamptz,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    constraint filings_version_key unique (kind, period, version),
    check ((status = 'submitted') = (submitted_at is not null)),
    check ((status = 'submitted') = (submitted_by_name is not null))
);
-- At most one draft per kind and period.
create unique index filings_one_prepared on filings (kind, period) where status = 'prepared';
create trigger filings_touch before update on filings
    for each row execute function shared.touch_updated_at();

-- A submitted filing never changes nor disappears.
create function filings_refuse_change() returns trigger
language plpgsql as $$
begin
    if tg_op = 'TRUNCATE' or old.status = 'submitted' then
        raise exception 'filing_immutable: a submitted filing cannot be changed (% on %); prepare a correction instead', tg_op, tg_table_name
            using errcode = '55000';
    end if;
    if tg_op = 'DELETE' then
        return old;
    end if;
    return new;
end;
$$;
create trigger filings_immutable before update or delete on filings
    for each row execute function filings_refuse_change();
create trigger filings_no_truncate before truncate on filings
    for each statement execute function filings_refuse_change();

-- Finance prepares filings and reads the firm profile (the admin role holds every
-- permission, so it submits). Only where the roles of identity and access exist.
do $$
begin
    if to_regclass('role_permissions') is not null then
        insert into role_permissions (role_code, permission)
        select r.code, p.permission
          from roles r
          cross join (values ('filing.prepare'), ('filing.read'), ('firm_profile.read')) as p (permission)
         where r.code = 'finance'
        on conflict do nothing;
    end if;
end;
$$;
