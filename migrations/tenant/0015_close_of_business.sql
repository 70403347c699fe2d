-- Close of business (日终): when it runs, and which business dates are closed.
--
-- A business date D is closed by one transaction that runs every step of
-- LOAN-MATH "Close of business" and inserts D's business_days row; a crash
-- rolls all of it back, so a rerun starts from the same state. Dates close
-- in order: the first open date after the last closed one.

create table cob_settings (
    id smallint primary key default 1 check (id = 1),
    -- The local time at which the previous day is closed.
    run_at time not null default '00:30',
    time_zone text not null default 'Asia/Shanghai' check (length(time_zone) between 1 and 64),
    -- The first business date to close; null: the date before the first run.
    first_business_date date,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now()
);
create trigger cob_settings_touch before update on cob_settings
    for each row execute function shared.touch_updated_at();
insert into cob_settings default values;

create table business_days (
    business_date date primary key,
    -- What each step did (counts, amounts), for staff and operators.
    summary jsonb not null default '{}'::jsonb check (jsonb_typeof(summary) = 'object'),
    -- 'scheduled' by the nightly tick, or 'manual' (xiaodai cob run).
    trigger text not null check (trigger in ('scheduled', 'manual')),
    started_at timestamptz not null,
    closed_at timestamptz not null default now()
);
