-- The licensing workflow (SUPERVISION.md §1): intake (受理), review (送审),
-- decision (批复) and annual inspections (年检). An approving decision creates
-- the licence in supervision.licences. Written by the portal's writer role only.

create table supervision.licence_applications (
    id bigint generated always as identity primary key,
    jurisdiction text not null check (jurisdiction ~ '^[0-9]{6}$'),
    city text not null default '' check (length(city) <= 100),
    county text not null default '' check (length(county) <= 100),
    firm_name text not null check (length(firm_name) between 1 and 200),
    credit_code text not null check (credit_code ~ '^[0-9A-Z]{18}$'),
    registered_capital numeric(18,2) not null check (registered_capital > 0),
    received_on date not null,
    submitted_by text not null check (length(submitted_by) between 1 and 100),
    submitting_unit text not null default '' check (length(submitting_unit) <= 200),
    received_by text not null check (length(received_by) between 1 and 100),
    assigned_to text not null default '' check (length(assigned_to) <= 100),
    status text not null default 'pending' check (status in ('pending', 'in_review', 'approved', 'rejected')),
    licence_id bigint references supervision.licences (id),
    created_by bigint not null references supervision.regulators (id),
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    check ((status = 'approved') = (licence_id is not null))
);
create trigger licence_applications_touch before update on supervision.licence_applications
    for each row execute function shared.touch_updated_at();

create table supervision.licence_reviews (
    application_id bigint primary key references supervision.licence_applications (id),
    sent_on date not null,
    reviewer text not null check (length(reviewer) between 1 and 100),
    receiving_unit text not null check (length(receiving_unit) between 1 and 200),
    created_by bigint not null references supervision.regulators (id),
    created_at timestamptz not null default now()
);

create table supervision.licence_decisions (
    application_id bigint primary key references supervision.licence_applications (id),
    meeting_date date not null,
    meeting_number text not null check (length(meeting_number) between 1 and 64),
    meeting_result text not null check (length(meeting_result) between 1 and 2000),
    decided_on date not null,
    document_number text not null check (length(document_number) between 1 and 64),
    approved boolean not null,
    created_by bigint not null references supervision.regulators (id),
    created_at timestamptz not null default now()
);

create table supervision.annual_inspections (
    id bigint generated always as identity primary key,
    licence_id bigint not null references supervision.licences (id),
    year integer not null check (year between 2000 and 2100),
    result text not null check (result in ('passed', 'passed_with_conditions', 'failed')),
    inspected_on date not null,
    notes text not null default '' check (length(notes) <= 2000),
    created_by bigint not null references supervision.regulators (id),
    created_at timestamptz not null default now(),
    constraint annual_inspections_year_key unique (licence_id, year)
);

do $$
declare
    v_writer text := coalesce(current_setting('xiaodai.role_prefix', true), '') || 'supervision_writer';
begin
    execute format('grant insert, update on supervision.licence_applications to %I', v_writer);
    execute format('grant insert on supervision.licence_reviews, supervision.licence_decisions, supervision.annual_inspections to %I', v_writer);
end;
$$;
