-- The general ledger (总账): chart of accounts, monthly periods, posted
-- vouchers and their lines (immutable, balanced, checked by the database),
-- per-period account totals kept by a trigger, manual vouchers with
-- maker-checker, the bank accounts and borrowings registers (the one source
-- of the firm profile the regulator sees), bank statements for
-- reconciliation, and the ledger's settings.

-- Chart of accounts. The standard accounts are seeded from ledger-rules when
-- the tenant is provisioned; tenants add sub-accounts (never top-level ones).
create table ledger_accounts (
    code text primary key check (code ~ '^[1-9][0-9]{3}([0-9]{2}){0,3}(\.[0-9]{2,4})*$'),
    name_zh text not null check (length(name_zh) between 1 and 100),
    name_en text not null default '' check (length(name_en) <= 200),
    kind text not null check (kind in ('asset', 'liability', 'equity', 'income', 'expense', 'off_balance')),
    normal_side text not null check (normal_side in ('debit', 'credit')),
    parent_code text references ledger_accounts (code),
    standard boolean not null default false,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    check ((parent_code is null) = (code ~ '^[0-9]{4}$')),
    check (parent_code is null or (code like parent_code || '%' and code <> parent_code))
);
create index ledger_accounts_parent on ledger_accounts (parent_code);
create trigger ledger_accounts_touch before update on ledger_accounts
    for each row execute function shared.touch_updated_at();

-- Monthly accounting periods, created on demand without gaps. A period's row
-- is locked by every posting into it (it hands out the voucher numbers), so
-- posting and closing serialize per period.
create table ledger_periods (
    starts_on date primary key check (extract(day from starts_on) = 1),
    ends_on date generated always as ((starts_on + interval '1 month' - interval '1 day')::date) stored,
    status text not null default 'open' check (status in ('open', 'closed')),
    next_voucher_no integer not null default 1 check (next_voucher_no >= 1),
    closed_at timestamptz,
    closed_by bigint,
    closed_by_name text,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    check ((status = 'closed') = (closed_at is not null))
);
create trigger ledger_periods_touch before update on ledger_periods
    for each row execute function shared.touch_updated_at();

-- Posted vouchers (记账凭证). Only posted vouchers live here: immutable.
create table vouchers (
    id bigint generated always as identity primary key,
    period_start date not null references ledger_periods (starts_on),
    voucher_no integer not null check (voucher_no >= 1),
    -- The accounting date (inside the period) and the business event's own
    -- date (earlier for a late event posted into the open period).
    voucher_date date not null,
    event_date date not null check (event_date <= voucher_date),
    event_kind text not null check (event_kind ~ '^[a-z_]{1,40}$'),
    source_type text not null check (source_type ~ '^[a-z_]{1,40}$'),
    source_id text not null check (length(source_id) between 1 and 100),
    memo text not null default '',
    closing boolean not null default false,
    reverses_voucher_id bigint references vouchers (id),
    reversal_reason text,
    total_debit numeric(18, 2) not null check (total_debit > 0),
    posted_by_kind text not null,
    posted_by bigint,
    posted_by_name text not null default '',
    posted_at timestamptz not null default now(),
    xid xid8 not null default pg_current_xact_id(),
    constraint vouchers_number_key unique (period_start, voucher_no),
    constraint vouchers_reverses_key unique (reverses_voucher_id),
    constraint vouchers_source_key unique (source_type, source_id, event_kind),
    check (voucher_date >= period_start and voucher_date < period_start + interval '1 month'),
    check ((reverses_voucher_id is null) = (reversal_reason is null))
);
create index vouchers_period on vouchers (period_start, voucher_no);
-- Opening balances (期初余额) are entered once.
create unique index vouchers_one_opening on vouchers ((true)) where event_kind = 'opening_balance';

create table voucher_lines (
    voucher_id bigint not null references vouchers (id),
    line_no smallint not null check (line_no >= 1),
    -- Copies of the voucher's period and date (checked at commit), for the
    -- per-account queries.
    period_start date not null,
    voucher_date date not null,
    account_code text not null references ledger_accounts (code),
    debit shared.money not null check (debit >= 0),
    credit shared.money not null check (credit >= 0),
    memo text not null default '',
    primary key (voucher_id, line_no),
    check ((debit = 0) <> (credit = 0))
);
create index voucher_lines_account on voucher_lines (account_code, period_start, voucher_date);
-- Balances at a date inside a month: the month's lines up to it.
create index voucher_lines_period on voucher_lines (period_start, voucher_date);

-- Debit and credit turnover per period and account (closing entries apart,
-- for the income statement), kept by the trigger below: never written by code.
create table ledger_account_totals (
    period_start date not null references ledger_periods (starts_on),
    account_code text not null references ledger_accounts (code),
    closing boolean not null,
    debit numeric(20, 2) not null default 0,
    credit numeric(20, 2) not null default 0,
    primary key (period_start, account_code, closing)
);

-- Posted vouchers and lines never change.
create function ledger_refuse_change() returns trigger
language plpgsql as $$
begin
    raise exception 'voucher_immutable: posted vouchers and their lines cannot be changed (% on %); post a reversal instead', tg_op, tg_table_name
        using errcode = '55000';
end;
$$;
create trigger vouchers_immutable before update or delete on vouchers
    for each row execute function ledger_refuse_change();
create trigger vouchers_no_truncate before truncate on vouchers
    for each statement execute function ledger_refuse_change();
create trigger voucher_lines_immutable before update or delete on voucher_lines
    for each row execute function ledger_refuse_change();
create trigger voucher_lines_no_truncate before truncate on voucher_lines
    for each statement execute function ledger_refuse_change();
create trigger ledger_account_totals_no_truncate before truncate on ledger_account_totals
    for each statement execute function ledger_refuse_change();

-- New lines: only for vouchers inserted by the same transaction, only on leaf
-- accounts; their turnover goes into the totals.
create function ledger_lines_inserted() returns trigger
language plpgsql set search_path from current as $$
begin
    if exists (select 1 from new_lines l join vouchers v on v.id = l.voucher_id
                where v.xid <> pg_current_xact_id()) then
        raise exception 'voucher_immutable: lines cannot be added to a voucher posted earlier'
            using errcode = '55000';
    end if;
    if exists (select 1 from new_lines l join ledger_accounts a on a.parent_code = l.account_code) then
        raise exception 'account_not_leaf: postings go to accounts without sub-accounts'
            using errcode = '23514';
    end if;
    insert into ledger_account_totals as t (period_start, account_code, closing, debit, credit)
    select l.period_start, l.account_code, v.closing, sum(l.debit), sum(l.credit)
      from new_lines l join vouchers v on v.id = l.voucher_id
     group by l.period_start, l.account_code, v.closing
        on conflict (period_start, account_code, closing)
        do update set debit = t.debit + excluded.debit, credit = t.credit + excluded.credit;
    return null;
end;
$$;
create trigger voucher_lines_inserted after insert on voucher_lines
    referencing new table as new_lines
    for each statement execute function ledger_lines_inserted();

-- At commit, every voucher inserted has lines, on its own period and date,
-- whose debits equal credits, on balance and among the off-balance (class 7)
-- memo accounts separately, and whose total matches the header.
create function ledger_check_voucher() returns trigger
language plpgsql set search_path from current as $$
declare
    r record;
begin
    select count(*) as n,
           coalesce(sum(debit) filter (where account_code !~ '^7'), 0) as d,
           coalesce(sum(credit) filter (where account_code !~ '^7'), 0) as c,
           coalesce(sum(debit) filter (where account_code ~ '^7'), 0) as od,
           coalesce(sum(credit) filter (where account_code ~ '^7'), 0) as oc,
           coalesce(sum(debit), 0) as total,
           coalesce(bool_and(period_start = new.period_start and voucher_date = new.voucher_date), true) as dated
      into r
      from voucher_lines where voucher_id = new.id;
    if r.n = 0 then
        raise exception 'voucher_empty: voucher % has no lines', new.id
            using errcode = '23514', constraint = 'vouchers_balanced';
    end if;
    if r.d <> r.c or r.od <> r.oc then
        raise exception 'voucher_unbalanced: voucher % debits % credits % (off balance % / %)', new.id, r.d, r.c, r.od, r.oc
            using errcode = '23514', constraint = 'vouchers_balanced';
    end if;
    if not r.dated or r.total <> new.total_debit then
        raise exception 'voucher_inconsistent: the lines of voucher % do not match its header', new.id
            using errcode = '23514', constraint = 'vouchers_balanced';
    end if;
    return null;
end;
$$;
create constraint trigger vouchers_balanced after insert on vouchers
    deferrable initially deferred
    for each row execute function ledger_check_voucher();

-- Manual vouchers (手工凭证) and the opening balances (期初余额): drafted by
-- one user, reviewed by another, then posted into `vouchers`.
create table manual_vouchers (
    id bigint generated always as identity primary key,
    kind text not null default 'manual' check (kind in ('manual', 'opening_balance')),
    voucher_date date not null,
    memo text not null default '' check (length(memo) <= 500),
    status text not null default 'draft' check (status in ('draft', 'reviewed', 'posted', 'discarded')),
    created_by bigint not null,
    created_by_name text not null default '',
    reviewed_by bigint,
    reviewed_by_name text,
    reviewed_at timestamptz,
    posted_by bigint,
    posted_at timestamptz,
    voucher_id bigint unique references vouchers (id),
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    constraint manual_vouchers_maker_checker check (reviewed_by is null or reviewed_by <> created_by),
    check (status not in ('reviewed', 'posted') or reviewed_by is not null),
    check ((status = 'posted') = (voucher_id is not null))
);
create index manual_vouchers_open on manual_vouchers (voucher_date) where status in ('draft', 'reviewed');
create trigger manual_vouchers_touch before update on manual_vouchers
    for each row execute function shared.touch_updated_at();

create table manual_voucher_lines (
    manual_voucher_id bigint not null references manual_vouchers (id) on delete cascade,
    line_no smallint not null check (line_no >= 1),
    account_code text not null references ledger_accounts (code),
    debit shared.money not null check (debit >= 0),
    credit shared.money not null check (credit >= 0),
    memo text not null default '' check (length(memo) <= 200),
    primary key (manual_voucher_id, line_no)
);

-- Registered bank accounts: each has its own 1002 sub-account; exactly one is
-- the dedicated lending account (放贷资金专户) once any is registered.
create table bank_accounts (
    id bigint generated always as identity primary key,
    bank_name text not null check (length(bank_name) between 1 and 100),
    branch_name text not null default '' check (length(branch_name) <= 100),
    account_number text not null check (account_number ~ '^[0-9A-Za-z-]{4,40}$'),
    opened_on date not null,
    dedicated boolean not null default false,
    account_code text not null references ledger_accounts (code),
    notes text not null default '' check (length(notes) <= 500),
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    constraint bank_accounts_number_key unique (account_number),
    constraint bank_accounts_account_code_key unique (account_code),
    check (account_code like '1002.%')
);
create unique index bank_accounts_one_dedicated on bank_accounts ((true)) where dedicated;
create trigger bank_accounts_touch before update on bank_accounts
    for each row execute function shared.touch_updated_at();

-- The borrowings register (融资信息): each drawing or repayment, posted to
-- the liability account of its lender kind and term.
create table borrowings (
    id bigint generated always as identity primary key,
    entry_date date not null,
    direction text not null check (direction in ('borrow', 'repay')),
    -- For a repayment: the borrowing it repays.
    borrowing_id bigint references borrowings (id),
    lender_name text not null check (length(lender_name) between 1 and 200),
    lender_kind text not null check (lender_kind in ('bank', 'shareholder', 'other_non_standard', 'bond', 'abs')),
    amount shared.money not null check (amount > 0),
    term_months integer check (term_months between 1 and 600),
    rate shared.rate,
    security text not null default '' check (length(security) <= 500),
    notes text not null default '' check (length(notes) <= 500),
    bank_account_id bigint not null references bank_accounts (id),
    account_code text not null references ledger_accounts (code),
    voucher_id bigint not null unique references vouchers (id),
    created_by bigint,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    check ((direction = 'repay') = (borrowing_id is not null)),
    check (direction = 'repay' or term_months is not null)
);
create index borrowings_repaid on borrowings (borrowing_id);
create trigger borrowings_touch before update on borrowings
    for each row execute function shared.touch_updated_at();

-- Imported bank statements, for reconciliation.
create table bank_statement_imports (
    id bigint generated always as identity primary key,
    bank_account_id bigint not null references bank_accounts (id),
    file_name text not null default '',
    sha256 text not null,
    line_count integer not null,
    imported_by bigint,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    constraint bank_statement_imports_file_key unique (bank_account_id, sha256)
);
create table bank_statement_lines (
    id bigint generated always as identity primary key,
    import_id bigint not null references bank_statement_imports (id),
    bank_account_id bigint not null references bank_accounts (id),
    txn_date date not null,
    -- Money in is positive, money out negative.
    amount shared.money not null check (amount <> 0),
    balance shared.money,
    memo text not null default '',
    reference text not null default ''
);
create unique index bank_statement_lines_reference on bank_statement_lines (bank_account_id, reference) where reference <> '';
create index bank_statement_lines_date on bank_statement_lines (bank_account_id, txn_date);

-- The ledger's tenant settings (one row).
create table ledger_settings (
    id boolean primary key default true check (id),
    -- Year-end appropriation to the general risk reserve, of risk assets (1303).
    risk_reserve_rate shared.rate not null default 0.015,
    -- Close of business posts the allowance change itself, or proposes it to finance.
    provision_auto_post boolean not null default false,
    provision_general shared.rate not null default 0.01,
    provision_special_mention shared.rate not null default 0.02,
    provision_substandard shared.rate not null default 0.25,
    provision_doubtful shared.rate not null default 0.50,
    provision_loss shared.rate not null default 1,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now()
);
insert into ledger_settings default values;
create trigger ledger_settings_touch before update on ledger_settings
    for each row execute function shared.touch_updated_at();
