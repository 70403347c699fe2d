-- Loan applications (项目办理) with their security and pre-loan investigation,
-- approval flows defined per tenant (贷款审批: ordered role steps and committee
-- steps decided by N of M votes, authority limits by amount), each
-- application's step plan and the full history of actions, and the staff's
-- in-app inbox.

create table approval_flows (
    id bigint generated always as identity primary key,
    name text not null check (length(name) between 1 and 100),
    -- null: any product
    product_id bigint references products (id),
    min_amount shared.money not null default 0 check (min_amount >= 0),
    -- null: no upper bound; a flow applies to min_amount ≤ amount < max_amount
    max_amount shared.money check (max_amount > min_amount),
    status text not null default 'active' check (status in ('active', 'retired')),
    -- [{role, max_amount}]: the most a role may approve as the last step
    authority_limits jsonb not null default '[]'::jsonb,
    created_by bigint references users (id),
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now()
);
create trigger approval_flows_touch before update on approval_flows
    for each row execute function shared.touch_updated_at();

create table approval_flow_steps (
    flow_id bigint not null references approval_flows (id),
    position integer not null check (position > 0),
    name text not null check (length(name) between 1 and 100),
    kind text not null check (kind in ('role', 'committee')),
    role text not null,
    committee_size integer,
    votes_needed integer,
    primary key (flow_id, position),
    check ((kind = 'committee') = (committee_size is not null and votes_needed is not null)),
    check (votes_needed is null or (votes_needed between 1 and committee_size))
);

create table applications (
    id bigint generated always as identity primary key,
    number text not null,
    customer_id bigint not null references customers (id),
    product_id bigint not null references products (id),
    branch_id bigint not null references branches (id),
    manager_id bigint references users (id),
    amount shared.money not null check (amount > 0),
    term integer not null check (term > 0),
    rate numeric(10,6) not null check (rate >= 0 and rate <= 1),
    repay_day integer check (repay_day between 1 and 28),
    purpose text not null check (length(purpose) between 1 and 500),
    industry_code text not null,
    security_kinds text[] not null,
    investigation jsonb,
    status text not null default 'draft'
        check (status in ('draft', 'in_review', 'returned', 'approved', 'rejected')),
    flow_id bigint references approval_flows (id),
    current_step integer,
    -- Bumped on every step activation; committee votes count within one activation.
    activation integer not null default 0,
    apr numeric(10,6),
    created_by bigint not null references users (id),
    submitted_at timestamptz,
    decided_at timestamptz,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    constraint applications_number_key unique (number)
);
create index applications_customer_idx on applications (customer_id);
create index applications_status_idx on applications (status, branch_id);
create trigger applications_touch before update on applications
    for each row execute function shared.touch_updated_at();

create table application_guarantors (
    id bigint generated always as identity primary key,
    application_id bigint not null references applications (id),
    customer_id bigint not null references customers (id),
    guarantee_kind text not null check (guarantee_kind in ('joint', 'general')),
    amount shared.money check (amount > 0),
    constraint application_guarantors_key unique (application_id, customer_id)
);

create table application_collateral (
    id bigint generated always as identity primary key,
    application_id bigint not null references applications (id),
    kind text not null check (kind in ('mortgage', 'pledge')),
    description text not null check (length(description) between 1 and 500),
    owner_name text not null,
    value shared.money not null check (value > 0),
    warrant_number text
);

-- The step plan of a submission: the flow's steps, plus an extra step when the
-- amount is above the last approver's authority.
create table application_steps (
    application_id bigint not null references applications (id),
    position integer not null check (position > 0),
    name text not null,
    kind text not null check (kind in ('role', 'committee')),
    role text not null,
    committee_size integer,
    votes_needed integer,
    extra boolean not null default false,
    primary key (application_id, position)
);

create table approval_actions (
    id bigint generated always as identity primary key,
    application_id bigint not null references applications (id),
    step_position integer,
    activation integer not null,
    actor_id bigint not null references users (id),
    action text not null check (action in ('submit', 'approve', 'return', 'reject', 'vote_for', 'vote_against')),
    opinion text not null default '',
    created_at timestamptz not null default now()
);
create index approval_actions_application_idx on approval_actions (application_id, id);
create index approval_actions_actor_idx on approval_actions (actor_id);
create unique index approval_actions_one_vote on approval_actions (application_id, activation, actor_id)
    where action in ('vote_for', 'vote_against');

-- Staff in-app messages (站内信).
create table messages (
    id bigint generated always as identity primary key,
    user_id bigint not null references users (id),
    subject text not null,
    body text not null default '',
    entity_type text,
    entity_id bigint,
    read_at timestamptz,
    created_at timestamptz not null default now()
);
create index messages_user_idx on messages (user_id, id desc);

-- Deciding a step needs `application.decide`; the step's role says who may.
insert into role_permissions (role_code, permission)
select r, 'application.decide' from unnest(array['reviewer', 'approver', 'committee']) r
 where exists (select 1 from roles where code = r)
on conflict do nothing;
