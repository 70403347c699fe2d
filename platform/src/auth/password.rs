//! Password hashing (argon2id) and the password rules.

use argon2::{
    password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString},
    Argon2,
};
use rand::{distributions::Alphanumeric, Rng};

use crate::error::ApiError;

/// Hashes a password with argon2id and a random salt.
pub fn hash(password: &str) -> anyhow::Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| anyhow::anyhow!("failed to hash password: {e}"))
}

/// Checks a password against a stored hash (constant time inside argon2).
pub fn verify(stored: &str, password: &str) -> bool {
    PasswordHash::new(stored)
        .map(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

/// A hash that no password matches, to spend the same time on unknown users.
pub fn dummy_verify(password: &str) {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let stored = DUMMY.get_or_init(|| hash("dummy-password-for-timing").unwrap_or_default());
    let _ = verify(stored, password);
}

/// A random one-time password (must be changed at first login).
pub fn one_time() -> String {
    rand::thread_rng()
        .sample_iter(&Alphanumeric)
        .take(16)
        .map(char::from)
        .collect()
}

/// The minimum password rules (the identity module adds tenant policies).
pub fn check_policy(username: &str, password: &str, min_len: usize) -> Result<(), ApiError> {
    if password.chars().count() < min_len {
        return Err(ApiError::validation(
            "new_password",
            "password_too_short",
            format!("the password needs at least {min_len} characters"),
        ));
    }
    if password.eq_ignore_ascii_case(username) {
        return Err(ApiError::validation(
            "new_password",
            "password_is_username",
            "the password may not be the username",
        ));
    }
    Ok(())
}
