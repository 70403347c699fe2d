-- Firm profiles and filings (报送) the firms publish to the regulator, and
-- the filing deadline per jurisdiction. Both are immutable versions: a row
-- is never updated nor deleted (triggers below; and nobody but the
-- SECURITY DEFINER functions, which take the firm from the calling tenant
-- role, may insert them). A correction is a new version that keeps the old.

create function supervision.refuse_change() returns trigger
language plpgsql as $$
begin
    raise exception 'version_immutable: published versions cannot be changed (% on %); publish a new version instead', tg_op, tg_table_name
        using errcode = '55000';
end;
$$;

-- The firm profile (basic data, shareholders, executives, and the ledger's
-- bank accounts and borrowings), one immutable version per publication.
create table supervision.firm_profiles (
    firm text not null references platform.tenants (code),
    version integer not null check (version >= 1),
    content jsonb not null,
    -- sha256 (hex) of the canonical JSON of `content` (keys sorted, no spaces).
    content_hash text not null check (content_hash ~ '^[0-9a-f]{64}$'),
    published_by text not null,
    published_at timestamptz not null default now(),
    primary key (firm, version)
);
create trigger firm_profiles_immutable before update or delete on supervision.firm_profiles
    for each row execute function supervision.refuse_change();
create trigger firm_profiles_no_truncate before truncate on supervision.firm_profiles
    for each statement execute function supervision.refuse_change();

-- Monthly filings: 财务状况表 (financial_position), 贷款业务状况表 (loan_report),
-- 主要经营指标及资金来源情况表 (operating_indicators).
create table supervision.filings (
    firm text not null references platform.tenants (code),
    kind text not null check (kind in ('financial_position', 'loan_report', 'operating_indicators')),
    period date not null check (extract(day from period) = 1),
    version integer not null check (version >= 1),
    content jsonb not null,
    content_hash text not null check (content_hash ~ '^[0-9a-f]{64}$'),
    prepared_by text not null,
    submitted_by text not null,
    submitted_at timestamptz not null default now(),
    primary key (firm, kind, period, version)
);
create index filings_period on supervision.filings (period, kind);
create trigger filings_immutable before update or delete on supervision.filings
    for each row execute function supervision.refuse_change();
create trigger filings_no_truncate before truncate on supervision.filings
    for each statement execute function supervision.refuse_change();

-- The filing deadline of a jurisdiction: the given day of the month after
-- the period (absent: the 5th), end of that day in China Standard Time.
create table supervision.filing_deadlines (
    jurisdiction text primary key check (jurisdiction ~ '^[0-9]{6}$'),
    day_of_next_month integer not null check (day_of_next_month between 1 and 28),
    updated_by bigint references supervision.regulators (id),
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now()
);
create trigger filing_deadlines_touch before update on supervision.filing_deadlines
    for each row execute function shared.touch_updated_at();

-- Publishes the calling firm's profile as its next version; returns the version.
create function supervision.publish_firm_profile(p_content jsonb, p_hash text, p_by text) returns integer
language plpgsql security definer
set search_path = pg_catalog
as $$
declare
    v_firm text;
    v_version integer;
begin
    select t.code into v_firm from platform.tenants t where t.role_name = current_setting('role');
    if v_firm is null then
        raise exception 'only a tenant role may publish its profile' using errcode = '42501';
    end if;
    if p_content is null or p_hash is null or p_by is null then
        raise exception 'invalid profile' using errcode = '22023';
    end if;
    perform pg_advisory_xact_lock(hashtext('firm_profile:' || v_firm));
    select coalesce(max(p.version), 0) + 1 into v_version
      from supervision.firm_profiles p where p.firm = v_firm;
    insert into supervision.firm_profiles (firm, version, content, content_hash, published_by)
        values (v_firm, v_version, p_content, p_hash, p_by);
    return v_version;
end;
$$;
revoke all on function supervision.publish_firm_profile(jsonb, text, text) from public;
grant execute on function supervision.publish_firm_profile(jsonb, text, text) to public;

-- Submits the calling firm's filing as version `p_version` of its kind and
-- period, which must be the next one (else 40001 filing_version_conflict).
create function supervision.submit_filing(
    p_kind text, p_period date, p_version integer, p_content jsonb, p_hash text,
    p_prepared_by text, p_submitted_by text
) returns timestamptz
language plpgsql security definer
set search_path = pg_catalog
as $$
declare
    v_firm text;
    v_next integer;
    v_at timestamptz;
begin
    select t.code into v_firm from platform.tenants t where t.role_name = current_setting('role');
    if v_firm is null then
        raise exception 'only a tenant role may submit its filings' using errcode = '42501';
    end if;
    perform pg_advisory_xact_lock(hashtext('filing:' || v_firm || ':' || p_kind || ':' || p_period));
    select coalesce(max(f.version), 0) + 1 into v_next
      from supervision.filings f where f.firm = v_firm and f.kind = p_kind and f.period = p_period;
    if p_version is distinct from v_next then
        raise exception 'filing_version_conflict: the next version is %', v_next using errcode = '40001';
    end if;
    insert into supervision.filings (firm, kind, period, version, content, content_hash, prepared_by, submitted_by)
        values (v_firm, p_kind, p_period, p_version, p_content, p_hash, p_prepared_by, p_submitted_by)
        returning submitted_at into v_at;
    return v_at;
end;
$$;
revoke all on function supervision.submit_filing(text, date, integer, jsonb, text, text, text) from public;
grant execute on function supervision.submit_filing(text, date, integer, jsonb, text, text, text) to public;

do $$
declare
    v_prefix text := coalesce(current_setting('xiaodai.role_prefix', true), '');
begin
    execute format('grant select on supervision.firm_profiles, supervision.filings, supervision.filing_deadlines to %I, %I',
                   v_prefix || 'supervision_reader', v_prefix || 'supervision_writer');
    execute format('grant insert, update on supervision.filing_deadlines to %I', v_prefix || 'supervision_writer');
end;
$$;
