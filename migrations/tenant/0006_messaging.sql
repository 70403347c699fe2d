-- Messages to borrowers (reminders by SMS and email), sent exactly once.
--
-- message_outbox holds one row per message to send, keyed by a dedupe_key
-- chosen by the producer (close of business writes
-- `inst:<installment id>:<offset days>:<channel>`), so producing twice
-- inserts once. Its id is stable and goes to the provider as the
-- idempotency key. The dispatcher marks a row `sending` and commits before
-- calling the provider, then commits the outcome; a row found `sending` after
-- its lease is resolved by the provider's status query or marked `in_doubt`
-- for staff, never resent blindly. Every attempt is a message_attempts row.

create table reminder_settings (
    id smallint primary key default 1 check (id = 1),
    enabled boolean not null default true,
    -- [{"days": -3, "channels": ["sms"]}, ...]: days relative to the due date.
    offsets jsonb not null check (jsonb_typeof(offsets) = 'array'),
    -- The local time of day a reminder is meant to go out.
    send_time time not null default '09:00',
    time_zone text not null default 'Asia/Shanghai',
    -- No SMS between quiet_start and quiet_end (local time); both null: none.
    quiet_start time default '21:00',
    quiet_end time default '08:00',
    -- The SMS signature (签名); null: the company's name.
    sms_signature text check (sms_signature is null or length(sms_signature) between 2 and 20),
    -- A reminder not sent within this many hours of its moment is skipped, not sent late.
    late_window_hours integer not null default 24 check (late_window_hours between 1 and 720),
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    check ((quiet_start is null) = (quiet_end is null))
);
create trigger reminder_settings_touch before update on reminder_settings
    for each row execute function shared.touch_updated_at();
insert into reminder_settings (offsets) values (
    '[{"days": -3, "channels": ["sms"]},
      {"days": 0, "channels": ["sms", "email"]},
      {"days": 1, "channels": ["sms"]},
      {"days": 7, "channels": ["sms", "email"]}]'::jsonb);

create table message_templates (
    kind text not null check (kind in ('reminder_before_due', 'reminder_due_today', 'reminder_overdue')),
    channel text not null check (channel in ('sms', 'email')),
    -- Email only.
    subject text check (subject is null or length(subject) between 1 and 200),
    body text not null check (length(body) between 1 and 4000),
    -- The provider's registered template (Aliyun TemplateCode), SMS only.
    provider_template_code text check (provider_template_code ~ '^[A-Za-z0-9_]{1,64}$'),
    -- Provider template variable -> our placeholder, e.g. {"name": "borrower_name"}.
    provider_params jsonb not null default '{}'::jsonb check (jsonb_typeof(provider_params) = 'object'),
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    primary key (kind, channel),
    check ((channel = 'email') = (subject is not null))
);
create trigger message_templates_touch before update on message_templates
    for each row execute function shared.touch_updated_at();
insert into message_templates (kind, channel, subject, body) values
    ('reminder_before_due', 'sms', null,
     '尊敬的{borrower_name}，您的借款（合同号{contract_number}）将于{due_date}到期，应还金额{amount_due}元，请按时还款。详情：{link}'),
    ('reminder_due_today', 'sms', null,
     '尊敬的{borrower_name}，您的借款（合同号{contract_number}）今日（{due_date}）到期，应还金额{amount_due}元，请于今日还款。详情：{link}'),
    ('reminder_overdue', 'sms', null,
     '尊敬的{borrower_name}，您的借款（合同号{contract_number}）已于{due_date}逾期，当前应还金额{amount_due}元，请尽快还款。详情：{link}'),
    ('reminder_before_due', 'email', '{company_name}还款提醒：{due_date}到期',
     E'尊敬的{borrower_name}：\n\n您在{company_name}的借款（合同号{contract_number}）将于{due_date}到期，应还金额{amount_due}元，请按时还款。\n\n查看详情：{link}\n\n{company_name}'),
    ('reminder_due_today', 'email', '{company_name}还款提醒：今日到期',
     E'尊敬的{borrower_name}：\n\n您在{company_name}的借款（合同号{contract_number}）今日（{due_date}）到期，应还金额{amount_due}元，请于今日还款。\n\n查看详情：{link}\n\n{company_name}'),
    ('reminder_overdue', 'email', '{company_name}逾期提醒',
     E'尊敬的{borrower_name}：\n\n您在{company_name}的借款（合同号{contract_number}）已于{due_date}逾期，当前应还金额{amount_due}元，请尽快还款。\n\n查看详情：{link}\n\n{company_name}');

-- Until customers exist: opt-outs keyed by recipient (mobile or email) and channel.
create table contact_opt_outs (
    recipient text not null check (length(recipient) between 3 and 254),
    channel text not null check (channel in ('sms', 'email')),
    reason text not null default '' check (length(reason) <= 500),
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    primary key (recipient, channel)
);

create table message_outbox (
    id uuid primary key,
    dedupe_key text not null check (length(dedupe_key) between 1 and 200),
    channel text not null check (channel in ('sms', 'email')),
    recipient text not null check (length(recipient) between 3 and 254),
    recipient_name text,
    template_kind text not null,
    subject text,
    content text not null,
    sign_name text,
    provider_template_code text,
    provider_params jsonb not null default '{}'::jsonb,
    status text not null default 'pending'
        check (status in ('pending', 'deferred', 'sending', 'sent', 'in_doubt', 'failed_permanent', 'skipped')),
    -- The moment the message is meant for; not sent before not_before, nor after expires_at.
    due_at timestamptz not null,
    not_before timestamptz not null,
    expires_at timestamptz not null,
    attempts integer not null default 0 check (attempts >= 0),
    locked_until timestamptz,
    provider text,
    provider_message_id text,
    -- Why a message was skipped, deferred, failed, or how it was resolved.
    status_reason text,
    sent_at timestamptz,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    constraint message_outbox_dedupe_key_key unique (dedupe_key),
    check ((status = 'sending') = (locked_until is not null)),
    check ((status = 'sent') = (sent_at is not null))
);
create trigger message_outbox_touch before update on message_outbox
    for each row execute function shared.touch_updated_at();
create index message_outbox_due on message_outbox (not_before, id) where status in ('pending', 'deferred');
create index message_outbox_sending on message_outbox (locked_until) where status = 'sending';
create index message_outbox_listing on message_outbox (status, created_at desc);

create table message_attempts (
    id bigint generated always as identity primary key,
    message_id uuid not null references message_outbox (id),
    attempt integer not null check (attempt >= 1),
    provider text not null,
    started_at timestamptz not null default now(),
    finished_at timestamptz,
    -- null while the call is in flight (or the dispatcher died during it).
    -- not_received: the provider's status query says it never got the message.
    outcome text check (outcome in ('sent', 'transient', 'permanent', 'in_doubt', 'not_received')),
    provider_response text,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    constraint message_attempts_once unique (message_id, attempt)
);
create trigger message_attempts_touch before update on message_attempts
    for each row execute function shared.touch_updated_at();
