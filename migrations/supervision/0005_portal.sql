-- The supervisor portal: read-only by construction, and the firms' daily
-- metric snapshots with the alerts they raise.
--
-- Two NOLOGIN roles (roles are global: created when missing, adopted when
-- another database made them; the prefix comes from the deployment through
-- the transaction setting xiaodai.role_prefix):
--   <prefix>supervision_reader  SELECT on the supervision schema, nothing else;
--   <prefix>supervision_writer  the reader's rights plus writes on the
--                               regulator's own record tables only.
-- Every portal request runs as one of them (set_config('role', ..., true)).

do $$
declare
    v_prefix text := coalesce(current_setting('xiaodai.role_prefix', true), '');
    v_role text;
begin
    foreach v_role in array array[v_prefix || 'supervision_reader', v_prefix || 'supervision_writer'] loop
        if not exists (select 1 from pg_roles where rolname = v_role) then
            begin
                execute format('create role %I nologin', v_role);
            exception when duplicate_object or unique_violation then
                null; -- created meanwhile by another database: adopt it
            end;
        end if;
        if not pg_has_role(current_user, v_role, 'member') then
            execute format('grant %I to current_user', v_role);
        end if;
        execute format('grant usage on schema supervision to %I', v_role);
        execute format('grant usage on schema shared to %I', v_role);
        execute format('grant select on all tables in schema supervision to %I', v_role);
        -- tables added by later supervision migrations are readable too
        execute format('alter default privileges in schema supervision grant select on tables to %I', v_role);
    end loop;
end;
$$;

-- Daily snapshot of one firm's §3 metrics with the inputs behind them,
-- written only through submit_snapshot(). Snapshots are kept for every
-- tenant that submits one (linked or not yet linked to a licence): the
-- portal shows a firm only through its licence link, so an unlinked firm's
-- history stays invisible until it is linked and then is complete.
create table supervision.metric_snapshots (
    firm text not null references platform.tenants (code),
    as_of date not null,
    metrics jsonb not null,
    inputs jsonb not null,
    breaches text[] not null default '{}',
    submitted_at timestamptz not null default now(),
    primary key (firm, as_of)
);

-- Limits per jurisdiction (absent: the defaults of SUPERVISION.md §3).
create table supervision.thresholds (
    jurisdiction text primary key check (jurisdiction ~ '^[0-9]{6}$'),
    thresholds jsonb not null,
    updated_by bigint references supervision.regulators (id),
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now()
);
create trigger thresholds_touch before update on supervision.thresholds
    for each row execute function shared.touch_updated_at();

-- One alert per firm, metric and breach episode: opened on the first
-- snapshot in breach, closed on the first snapshot back within the limit.
create table supervision.alerts (
    id bigint generated always as identity primary key,
    firm text not null references platform.tenants (code),
    metric text not null check (metric ~ '^[a-z0-9_]{1,64}$'),
    opened_on date not null,
    closed_on date,
    acknowledged_at timestamptz,
    acknowledged_by bigint references supervision.regulators (id),
    note text,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    check (closed_on is null or closed_on >= opened_on),
    check ((acknowledged_at is null) = (acknowledged_by is null)),
    check (acknowledged_at is null or length(note) between 1 and 2000)
);
create trigger alerts_touch before update on supervision.alerts
    for each row execute function shared.touch_updated_at();
create unique index alerts_one_open on supervision.alerts (firm, metric) where closed_on is null;
create index alerts_firm on supervision.alerts (firm, opened_on);

-- The thresholds of the calling firm's jurisdiction (null: defaults), for a
-- tenant transaction computing its snapshot. The firm comes from the role.
create function supervision.firm_thresholds() returns jsonb
language plpgsql security definer stable
set search_path = pg_catalog
as $$
declare
    v_firm text;
begin
    select t.code into v_firm from platform.tenants t where t.role_name = current_setting('role');
    if v_firm is null then
        raise exception 'only a tenant role may read its thresholds' using errcode = '42501';
    end if;
    return (select th.thresholds
              from supervision.licence_links k
              join supervision.licences l on l.id = k.licence_id
              join supervision.thresholds th on th.jurisdiction = l.jurisdiction
             where k.tenant_code = v_firm);
end;
$$;
revoke all on function supervision.firm_thresholds() from public;
grant execute on function supervision.firm_thresholds() to public;

-- Called by close of business in a tenant transaction (role = the tenant's
-- role): the firm is taken from current_setting('role'), never from an
-- argument, so a firm can only write its own rows. Upserts the day's
-- snapshot and, when it is the firm's latest day, opens an alert for every
-- metric newly in breach and closes the alerts of metrics back within limits.
create function supervision.submit_snapshot(
    p_as_of date, p_inputs jsonb, p_metrics jsonb, p_breaches text[]
) returns void
language plpgsql security definer
set search_path = pg_catalog
as $$
declare
    v_firm text;
    v_latest date;
begin
    select t.code into v_firm from platform.tenants t where t.role_name = current_setting('role');
    if v_firm is null then
        raise exception 'only a tenant role may submit its snapshot' using errcode = '42501';
    end if;
    if p_as_of is null or p_inputs is null or p_metrics is null or p_breaches is null then
        raise exception 'invalid snapshot' using errcode = '22023';
    end if;
    select max(s.as_of) into v_latest from supervision.metric_snapshots s where s.firm = v_firm;
    insert into supervision.metric_snapshots (firm, as_of, metrics, inputs, breaches)
        values (v_firm, p_as_of, p_metrics, p_inputs, p_breaches)
        on conflict (firm, as_of) do update
            set metrics = excluded.metrics, inputs = excluded.inputs,
                breaches = excluded.breaches, submitted_at = now();
    if v_latest is null or p_as_of >= v_latest then
        update supervision.alerts a set closed_on = p_as_of
         where a.firm = v_firm and a.closed_on is null and not (a.metric = any (p_breaches));
        insert into supervision.alerts (firm, metric, opened_on)
            select v_firm, b, p_as_of from unnest(p_breaches) b
            on conflict (firm, metric) where closed_on is null do nothing;
    end if;
end;
$$;
revoke all on function supervision.submit_snapshot(date, jsonb, jsonb, text[]) from public;
grant execute on function supervision.submit_snapshot(date, jsonb, jsonb, text[]) to public;
grant usage on schema supervision to public;

-- The writer: the regulator's own records only.
do $$
declare
    v_writer text := coalesce(current_setting('xiaodai.role_prefix', true), '') || 'supervision_writer';
begin
    execute format('grant insert, update on supervision.thresholds, supervision.alerts to %I', v_writer);
    execute format('grant insert on supervision.audit_events to %I', v_writer);
    execute format('grant insert, update on supervision.licences, supervision.licence_invitations to %I', v_writer);
    execute format('grant select on all tables in schema supervision to %I', v_writer);
end;
$$;
