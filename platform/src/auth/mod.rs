//! Authentication for the three audiences: argon2id passwords, opaque bearer
//! tokens whose sessions live in Redis, and the security schemes that guard
//! every non-public operation.

pub mod directory;
pub mod guard;
pub mod lockout;
pub mod login;
pub mod password;
pub mod session;

pub use guard::{OperatorAuth, Principal, RegulatorAuth, StaffAuth};
pub use session::{Realm, Session, SessionStore};
