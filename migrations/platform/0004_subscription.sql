-- Online subscription and the tenant lifecycle: plans and their limits,
-- sign-ups awaiting email verification, each tenant's subscription and
-- lifecycle state, and the daily usage meter.

create table platform.plans (
    code text primary key check (code ~ '^[a-z][a-z0-9_]{1,29}$'),
    name text not null check (length(name) between 1 and 100),
    -- null = unlimited
    max_staff_users integer check (max_staff_users >= 1),
    max_active_loans integer check (max_active_loans >= 0),
    max_storage_bytes bigint check (max_storage_bytes >= 0),
    -- length of the trial a sign-up on this plan gets
    trial_days integer not null check (trial_days between 1 and 365),
    -- offered on the public sign-up form
    public boolean not null default true,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now()
);
create trigger plans_touch before update on platform.plans
    for each row execute function shared.touch_updated_at();

insert into platform.plans (code, name, max_staff_users, max_active_loans, max_storage_bytes, trial_days) values
    ('trial', '试用版', 5, 200, 1073741824, 14),
    ('standard', '标准版', 30, 20000, 21474836480, 30),
    ('professional', '专业版', 200, 500000, 214748364800, 30);

alter table platform.tenants
    add column plan_code text not null default 'standard' references platform.plans (code),
    add column trial_ends_at timestamptz,
    add column credit_code text check (credit_code ~ '^[0-9A-Z]{18}$'),
    add column licence_number text check (length(licence_number) between 1 and 64),
    add column contact_name text check (length(contact_name) between 1 and 100),
    add column contact_email text,
    add column contact_mobile text,
    -- why the last lifecycle change was made (suspend, reactivate, close ...)
    add column status_reason text,
    add column status_changed_at timestamptz,
    -- the status to return to on reactivation (trial or active)
    add column suspended_from text check (suspended_from in ('trial', 'active')),
    add column closed_at timestamptz,
    add column export_path text,
    -- a closed tenant's schema is dropped by the sweep after this moment
    add column purge_after timestamptz,
    add column purged_at timestamptz,
    add column last_activity_at timestamptz;
-- rows from before the lifecycle existed
update platform.tenants set suspended_from = 'active' where status = 'suspended';
update platform.tenants set closed_at = updated_at where status = 'closed';
alter table platform.tenants
    add constraint tenants_suspended_from check ((status = 'suspended') = (suspended_from is not null)),
    add constraint tenants_closed check ((status = 'closed') = (closed_at is not null)),
    add constraint tenants_purge check (purged_at is null or status = 'closed');
create index tenants_credit_code on platform.tenants (credit_code);
create index tenants_purge_due on platform.tenants (purge_after) where status = 'closed' and purged_at is null;

create table platform.signups (
    id bigint generated always as identity primary key,
    company_name text not null check (length(company_name) between 1 and 200),
    credit_code text not null check (credit_code ~ '^[0-9A-Z]{18}$'),
    licence_number text check (length(licence_number) between 1 and 64),
    jurisdiction text not null check (jurisdiction ~ '^[0-9]{6}$'),
    contact_name text not null check (length(contact_name) between 1 and 100),
    email text not null,
    mobile text not null check (mobile ~ '^1[3-9][0-9]{9}$'),
    tenant_code text not null check (tenant_code ~ '^[a-z][a-z0-9_]{1,29}$'),
    plan_code text not null references platform.plans (code),
    status text not null default 'pending' check (status in ('pending', 'verified', 'expired')),
    client_ip text,
    expires_at timestamptz not null,
    verified_at timestamptz,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    check ((status = 'verified') = (verified_at is not null))
);
create trigger signups_touch before update on platform.signups
    for each row execute function shared.touch_updated_at();
-- a code is held by at most one sign-up awaiting verification
create unique index signups_pending_code on platform.signups (tenant_code) where status = 'pending';
create index signups_pending_created on platform.signups (created_at) where status = 'pending';

-- What each tenant used, measured once a day (the latest measurement of the day wins).
create table platform.tenant_usage (
    tenant_code text not null references platform.tenants (code),
    day date not null,
    staff_users bigint not null check (staff_users >= 0),
    active_loans bigint not null check (active_loans >= 0),
    storage_bytes bigint not null check (storage_bytes >= 0),
    measured_at timestamptz not null default now(),
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    primary key (tenant_code, day)
);
create trigger tenant_usage_touch before update on platform.tenant_usage
    for each row execute function shared.touch_updated_at();
