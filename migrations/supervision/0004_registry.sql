-- The regulator's licensing registry (minimal: the decision; the full intake
-- and review workflow comes with the supervision portal), invitations of
-- licensed firms to the platform, and the link between a licence and the
-- tenant that is that firm. The link is what routes the firm's filings and
-- snapshots into this schema.

create table supervision.licences (
    id bigint generated always as identity primary key,
    firm_name text not null check (length(firm_name) between 1 and 200),
    credit_code text not null check (credit_code ~ '^[0-9A-Z]{18}$'),
    licence_number text not null check (length(licence_number) between 1 and 64),
    jurisdiction text not null check (jurisdiction ~ '^[0-9]{6}$'),
    status text not null default 'approved' check (status in ('approved', 'revoked')),
    decided_at date not null,
    decided_by bigint references supervision.regulators (id),
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    constraint licences_number_key unique (licence_number)
);
create trigger licences_touch before update on supervision.licences
    for each row execute function shared.touch_updated_at();
-- one approved licence per firm
create unique index licences_approved_credit_code on supervision.licences (credit_code) where status = 'approved';

-- An invitation to join (or link) the platform, sent when a licence is approved.
create table supervision.licence_invitations (
    id bigint generated always as identity primary key,
    licence_id bigint not null references supervision.licences (id),
    email text not null,
    expires_at timestamptz not null,
    sent_at timestamptz,
    accepted_at timestamptz,
    accepted_by_tenant text references platform.tenants (code),
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    check ((accepted_at is null) = (accepted_by_tenant is null))
);
create trigger licence_invitations_touch before update on supervision.licence_invitations
    for each row execute function shared.touch_updated_at();
create index licence_invitations_licence on supervision.licence_invitations (licence_id);

-- A licence is the registry entry of exactly one tenant, and a tenant has at most one licence.
create table supervision.licence_links (
    licence_id bigint primary key references supervision.licences (id),
    tenant_code text not null references platform.tenants (code),
    -- tenant: its admin accepted an invitation; operator: linked by an operator with a reason
    linked_by text not null check (linked_by in ('tenant', 'operator')),
    actor_name text not null,
    reason text,
    invitation_id bigint references supervision.licence_invitations (id),
    linked_at timestamptz not null default now(),
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    constraint licence_links_tenant_key unique (tenant_code),
    check (linked_by = 'tenant' or reason is not null)
);
create trigger licence_links_touch before update on supervision.licence_links
    for each row execute function shared.touch_updated_at();
