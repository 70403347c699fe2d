-- Customers (客户管理): individuals and companies, related-party links and
-- groups, blacklist, hand-overs between managers, merges with approval, and
-- content-addressed attachments kept in the tenant's own schema.

create table customers (
    id bigint generated always as identity primary key,
    kind text not null check (kind in ('individual', 'company')),
    name text not null check (length(name) between 1 and 200),
    -- ID card number (individuals) or unified social credit code (companies), normalised.
    id_number text not null check (length(id_number) = 18),
    mobile text,
    email text,
    address text,
    branch_id bigint not null references branches (id),
    manager_id bigint references users (id),
    status text not null default 'active' check (status in ('active', 'merged')),
    merged_into bigint references customers (id),
    -- The related-party group: the smallest customer id of the link graph's component, null when unlinked.
    group_id bigint,
    blacklisted boolean not null default false,
    blacklist_reason text,
    blacklisted_at timestamptz,
    -- Long field lists as JSON sub-documents: for individuals `individual`, for companies `company`.
    profile jsonb not null default '{}'::jsonb,
    created_by bigint references users (id),
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    constraint customers_id_number_key unique (id_number),
    check ((status = 'merged') = (merged_into is not null)),
    check (blacklisted = (blacklist_reason is not null and blacklisted_at is not null))
);
create index customers_branch_idx on customers (branch_id);
create index customers_manager_idx on customers (manager_id);
create index customers_group_idx on customers (group_id) where group_id is not null;
create trigger customers_touch before update on customers
    for each row execute function shared.touch_updated_at();

create table customer_links (
    id bigint generated always as identity primary key,
    customer_id bigint not null references customers (id),
    related_id bigint not null references customers (id),
    kind text not null check (kind in ('family', 'shareholder', 'guarantor', 'same_controller', 'other')),
    note text not null default '',
    created_by bigint references users (id),
    created_at timestamptz not null default now(),
    check (customer_id <> related_id),
    constraint customer_links_pair_key unique (customer_id, related_id, kind)
);
create index customer_links_related_idx on customer_links (related_id);

create table customer_blacklist_events (
    id bigint generated always as identity primary key,
    customer_id bigint not null references customers (id),
    action text not null check (action in ('add', 'remove')),
    reason text not null,
    created_by bigint references users (id),
    created_at timestamptz not null default now()
);

create table customer_handovers (
    id bigint generated always as identity primary key,
    customer_id bigint not null references customers (id),
    from_manager_id bigint references users (id),
    to_manager_id bigint not null references users (id),
    reason text not null,
    created_by bigint references users (id),
    created_at timestamptz not null default now()
);

create table customer_merges (
    id bigint generated always as identity primary key,
    source_id bigint not null references customers (id),
    target_id bigint not null references customers (id),
    reason text not null,
    status text not null default 'pending' check (status in ('pending', 'approved', 'rejected')),
    requested_by bigint not null references users (id),
    decided_by bigint references users (id),
    decided_at timestamptz,
    opinion text,
    created_at timestamptz not null default now(),
    check (source_id <> target_id),
    check (decided_by is null or decided_by <> requested_by)
);
create unique index customer_merges_pending_key on customer_merges (source_id) where status = 'pending';

-- Content-addressed file bodies (sha256, hex), shared by every attachment of the tenant.
create table attachment_blobs (
    sha256 text primary key check (sha256 ~ '^[0-9a-f]{64}$'),
    content_type text not null,
    size_bytes integer not null check (size_bytes > 0),
    content bytea not null,
    created_at timestamptz not null default now()
);

-- An attachment of a customer or of an application's investigation report.
create table attachments (
    id bigint generated always as identity primary key,
    owner_type text not null check (owner_type in ('customer', 'application')),
    owner_id bigint not null,
    sha256 text not null references attachment_blobs (sha256),
    file_name text not null check (length(file_name) between 1 and 200),
    category text not null default 'other',
    branch_id bigint not null references branches (id),
    created_by bigint references users (id),
    created_at timestamptz not null default now()
);
create index attachments_owner_idx on attachments (owner_type, owner_id);
