-- One-time links that let a user set a password (the first admin after
-- sign-up, or a new link issued by an operator). Only the SHA-256 of the
-- token is kept; a link works once, until it expires.

create table password_tokens (
    id bigint generated always as identity primary key,
    user_id bigint not null references users (id),
    token_sha256 bytea not null check (length(token_sha256) = 32),
    purpose text not null check (purpose in ('set_password')),
    expires_at timestamptz not null,
    used_at timestamptz,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    constraint password_tokens_token_key unique (token_sha256)
);
create trigger password_tokens_touch before update on password_tokens
    for each row execute function shared.touch_updated_at();
create index password_tokens_user on password_tokens (user_id);
