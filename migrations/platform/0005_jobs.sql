-- The job queue: one row per unit of background work (close of business of
-- a tenant and date, a tenant's reminder dispatch, ...). A unique key makes
-- enqueueing idempotent (insert ... on conflict (key) do nothing), so every
-- instance's scheduler may enqueue the same periodic job. Workers claim rows
-- with `for update skip locked` and hold them under a lease (locked_until,
-- worker_id) renewed while they run; a lease that expires (a crashed worker)
-- makes the job claimable again. Transient failures are retried with
-- exponential backoff (status `failed` until run_at); after max_attempts, or
-- on a permanent failure, the job is `dead` and waits for an operator.

create table platform.jobs (
    id bigint generated always as identity primary key,
    key text not null check (length(key) between 1 and 300),
    kind text not null check (kind ~ '^[a-z][a-z0-9_.-]{0,63}$'),
    tenant_code text,
    payload jsonb not null default '{}'::jsonb,
    status text not null default 'queued'
        check (status in ('queued', 'running', 'succeeded', 'failed', 'dead')),
    run_at timestamptz not null default now(),
    attempts integer not null default 0 check (attempts >= 0),
    max_attempts integer not null default 10 check (max_attempts between 1 and 100),
    locked_until timestamptz,
    worker_id text,
    last_error text,
    started_at timestamptz,
    finished_at timestamptz,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    constraint jobs_key_key unique (key),
    constraint jobs_lease_check check ((status = 'running') = (locked_until is not null and worker_id is not null))
);
create trigger jobs_touch before update on platform.jobs
    for each row execute function shared.touch_updated_at();

-- Claiming: due queued or failed jobs, and running jobs whose lease expired.
create index jobs_due on platform.jobs (run_at, id) where status in ('queued', 'failed');
create index jobs_leased on platform.jobs (locked_until) where status = 'running';
-- Operators' lists and pruning.
create index jobs_listing on platform.jobs (status, kind, tenant_code, id);
create index jobs_finished on platform.jobs (finished_at) where status = 'succeeded';
