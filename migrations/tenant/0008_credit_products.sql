-- Credit rating (资信评价) models and ratings, credit limits (授信额度) with
-- their use, loan products (贷款产品), and the tenant's lending limits (which
-- may only be stricter than the jurisdiction's).

create table credit_rating_models (
    id bigint generated always as identity primary key,
    name text not null check (length(name) between 1 and 100),
    status text not null default 'active' check (status in ('active', 'retired')),
    -- [{code, name, weight, kind: options|ranges, options: [{code, label, score}], ranges: [{min, max, score}]}]
    items jsonb not null,
    -- [{grade, min_score}], descending min_score
    grades jsonb not null,
    created_by bigint references users (id),
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now()
);
create trigger credit_rating_models_touch before update on credit_rating_models
    for each row execute function shared.touch_updated_at();

create table credit_ratings (
    id bigint generated always as identity primary key,
    customer_id bigint not null references customers (id),
    model_id bigint not null references credit_rating_models (id),
    answers jsonb not null,
    item_scores jsonb not null,
    score numeric(7,2) not null check (score between 0 and 100),
    grade text not null,
    rated_by bigint not null references users (id),
    rated_at timestamptz not null default now()
);
create index credit_ratings_customer_idx on credit_ratings (customer_id, rated_at desc);

create table credit_limits (
    id bigint generated always as identity primary key,
    customer_id bigint not null references customers (id),
    amount shared.money not null check (amount > 0),
    used shared.money not null default 0 check (used >= 0),
    valid_from date not null,
    valid_to date not null,
    revolving boolean not null default true,
    status text not null default 'active' check (status in ('active', 'closed')),
    rating_id bigint references credit_ratings (id),
    created_by bigint references users (id),
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    check (valid_to >= valid_from),
    check (used <= amount)
);
create unique index credit_limits_one_active on credit_limits (customer_id) where status = 'active';
create trigger credit_limits_touch before update on credit_limits
    for each row execute function shared.touch_updated_at();

create table credit_limit_events (
    id bigint generated always as identity primary key,
    limit_id bigint not null references credit_limits (id),
    kind text not null check (kind in ('reserve', 'release')),
    amount shared.money not null check (amount > 0),
    created_at timestamptz not null default now()
);

create table products (
    id bigint generated always as identity primary key,
    code text not null check (code ~ '^[A-Za-z0-9_-]{1,20}$'),
    name text not null check (length(name) between 1 and 100),
    status text not null default 'active' check (status in ('active', 'retired')),
    method text not null,
    term_unit text not null check (term_unit in ('months', 'days')),
    min_term integer not null check (min_term > 0),
    max_term integer not null check (max_term >= min_term),
    min_amount shared.money not null check (min_amount > 0),
    max_amount shared.money not null check (max_amount >= min_amount),
    min_rate numeric(10,6) not null check (min_rate >= 0),
    max_rate numeric(10,6) not null check (max_rate >= min_rate and max_rate <= 1),
    -- [{kind, basis: fixed|percent, value, name}] (loan-engine fees)
    fees jsonb not null default '[]'::jsonb,
    penalty_markup numeric(10,6) not null default 0.5 check (penalty_markup >= 0),
    grace_days integer not null default 0 check (grace_days between 0 and 90),
    compound_interest boolean not null default false,
    allocation text not null default 'installment_first'
        check (allocation in ('installment_first', 'interest_first_across', 'principal_first')),
    prepayment_mode text not null default 'keep_term' check (prepayment_mode in ('keep_term', 'keep_installment')),
    refund_unearned_upfront_interest boolean not null default true,
    max_extensions integer not null default 2 check (max_extensions between 0 and 10),
    -- The four worst cases computed at setup: [{principal, term, apr}], and the cap they were checked against.
    apr_cases jsonb not null,
    apr_cap numeric(10,6) not null,
    created_on date not null,
    created_by bigint references users (id),
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    constraint products_code_key unique (code)
);
create trigger products_touch before update on products
    for each row execute function shared.touch_updated_at();

-- One row: the tenant's own lending limits; null = the jurisdiction's.
create table lending_settings (
    id boolean primary key default true check (id),
    apr_cap numeric(10,6) check (apr_cap > 0 and apr_cap <= 1),
    single_borrower_max numeric(10,6) check (single_borrower_max > 0 and single_borrower_max <= 1),
    related_group_max numeric(10,6) check (related_group_max > 0 and related_group_max <= 1),
    updated_by bigint references users (id),
    updated_at timestamptz not null default now()
);
create trigger lending_settings_touch before update on lending_settings
    for each row execute function shared.touch_updated_at();
insert into lending_settings default values;
