-- Identity and access inside a lending company: roles and their permission
-- patterns (casbin policies, loaded per tenant), users' roles, departments
-- and posts (岗位), the password and lockout policy, and password history.

create table roles (
    code text primary key check (code ~ '^[a-z][a-z0-9_]{1,39}$'),
    name text not null check (length(name) between 1 and 100),
    description text not null default '',
    builtin boolean not null default false,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now()
);
create trigger roles_touch before update on roles
    for each row execute function shared.touch_updated_at();

-- A permission pattern: a code (`customer.read`), `*` (everything, also codes
-- added later), or a pattern with one `*` (`customer.*`, `*.read`).
create table role_permissions (
    role_code text not null references roles (code) on delete cascade on update cascade,
    permission text not null check (permission ~ '^[a-z0-9_.*]{1,80}$'),
    created_at timestamptz not null default now(),
    primary key (role_code, permission)
);

create table user_roles (
    user_id bigint not null references users (id) on delete cascade,
    role_code text not null references roles (code) on delete cascade on update cascade,
    granted_by bigint,
    created_at timestamptz not null default now(),
    primary key (user_id, role_code)
);
create index user_roles_role on user_roles (role_code);

create table departments (
    id bigint generated always as identity primary key,
    code text not null check (code ~ '^[A-Za-z0-9_-]{1,20}$'),
    name text not null check (length(name) between 1 and 100),
    branch_id bigint references branches (id),
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    constraint departments_code_key unique (code)
);
create trigger departments_touch before update on departments
    for each row execute function shared.touch_updated_at();

create table posts (
    id bigint generated always as identity primary key,
    code text not null check (code ~ '^[A-Za-z0-9_-]{1,20}$'),
    name text not null check (length(name) between 1 and 100),
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    constraint posts_code_key unique (code)
);
create trigger posts_touch before update on posts
    for each row execute function shared.touch_updated_at();

alter table users
    add column department_id bigint references departments (id),
    add column post_id bigint references posts (id),
    add column previous_password_hashes text[] not null default '{}',
    add column password_changed_at timestamptz;

-- One row: the tenant's password and lockout policy.
create table security_settings (
    id boolean primary key default true check (id),
    min_password_length integer not null default 10 check (min_password_length between 10 and 128),
    password_history integer not null default 5 check (password_history between 0 and 24),
    lockout_threshold integer not null default 5 check (lockout_threshold between 1 and 100),
    lockout_window_minutes integer not null default 15 check (lockout_window_minutes between 1 and 1440),
    lockout_minutes integer not null default 15 check (lockout_minutes between 1 and 1440),
    updated_at timestamptz not null default now()
);
create trigger security_settings_touch before update on security_settings
    for each row execute function shared.touch_updated_at();
insert into security_settings default values;

insert into roles (code, name, description, builtin) values
    ('admin', '管理员', 'every permission of the company', true),
    ('customer_manager', '客户经理', 'customers and applications of the own branch', true),
    ('reviewer', '审查员', 'reviews applications', true),
    ('approver', '审批人', 'approves or rejects applications', true),
    ('committee', '审贷会委员', 'votes in the loan committee', true),
    ('finance', '财务', 'ledger, disbursements and repayments', true),
    ('risk', '风控/贷后', 'post-loan management, collection, classification', true),
    ('archivist', '档案管理员', 'archives and documents', true),
    ('auditor', '稽核', 'reads everything, changes nothing', true);

insert into role_permissions (role_code, permission) values
    ('admin', '*'),
    ('customer_manager', 'customer.*'),
    ('customer_manager', 'application.read'),
    ('customer_manager', 'application.create'),
    ('customer_manager', 'application.write'),
    ('customer_manager', 'application.submit'),
    ('customer_manager', 'loan.read'),
    ('customer_manager', 'repayment.read'),
    ('customer_manager', 'schedule.*'),
    ('customer_manager', 'document.*'),
    ('customer_manager', 'collateral.*'),
    ('customer_manager', 'branch.read'),
    ('customer_manager', 'product.read'),
    ('reviewer', 'customer.read'),
    ('reviewer', 'application.read'),
    ('reviewer', 'application.review'),
    ('reviewer', 'loan.read'),
    ('reviewer', 'schedule.*'),
    ('reviewer', 'document.read'),
    ('reviewer', 'collateral.read'),
    ('reviewer', 'branch.read'),
    ('reviewer', 'product.read'),
    ('approver', 'customer.read'),
    ('approver', 'application.read'),
    ('approver', 'application.approve'),
    ('approver', 'application.reject'),
    ('approver', 'loan.read'),
    ('approver', 'schedule.*'),
    ('approver', 'document.read'),
    ('approver', 'collateral.read'),
    ('approver', 'branch.read'),
    ('approver', 'product.read'),
    ('approver', 'scope.all_branches'),
    ('committee', 'customer.read'),
    ('committee', 'application.read'),
    ('committee', 'application.vote'),
    ('committee', 'committee.*'),
    ('committee', 'loan.read'),
    ('committee', 'schedule.*'),
    ('committee', 'document.read'),
    ('committee', 'branch.read'),
    ('committee', 'product.read'),
    ('committee', 'scope.all_branches'),
    ('finance', 'ledger.*'),
    ('finance', 'loan.read'),
    ('finance', 'loan.disburse'),
    ('finance', 'loan.repay'),
    ('finance', 'repayment.*'),
    ('finance', 'disbursement.*'),
    ('finance', 'customer.read'),
    ('finance', 'application.read'),
    ('finance', 'schedule.*'),
    ('finance', 'report.*'),
    ('finance', 'branch.read'),
    ('finance', 'product.read'),
    ('finance', 'scope.all_branches'),
    ('finance', 'cob.read'),
    ('risk', 'customer.read'),
    ('risk', 'application.read'),
    ('risk', 'loan.read'),
    ('risk', 'loan.classify'),
    ('risk', 'collection.*'),
    ('risk', 'classification.*'),
    ('risk', 'provision.*'),
    ('risk', 'risk.*'),
    ('risk', 'message.*'),
    ('risk', 'schedule.*'),
    ('risk', 'report.read'),
    ('risk', 'branch.read'),
    ('risk', 'product.read'),
    ('risk', 'scope.all_branches'),
    ('risk', 'cob.read'),
    ('archivist', 'archive.*'),
    ('archivist', 'document.*'),
    ('archivist', 'contract.read'),
    ('archivist', 'customer.read'),
    ('archivist', 'application.read'),
    ('archivist', 'loan.read'),
    ('archivist', 'branch.read'),
    ('archivist', 'scope.all_branches'),
    ('auditor', '*.read'),
    ('auditor', 'scope.all_branches');

-- Users that existed before roles could do everything: they stay admins.
insert into user_roles (user_id, role_code) select id, 'admin' from users;
