//! Customers (客户管理): individuals and companies with their long field
//! lists as JSON sub-documents ([`profile`]), one customer per ID number
//! ([`records`]), related-party links and groups ([`links`]), the blacklist,
//! hand-overs between managers, merges of duplicates approved by a second
//! person, and attachments.

pub mod attachments;
pub mod blacklist;
pub mod handover;
pub mod links;
pub mod merges;
pub mod profile;
pub mod records;

/// The customer endpoints of `/api/v1`.
pub type CustomersApi = (
    records::CustomersApi,
    links::LinksApi,
    blacklist::BlacklistApi,
    handover::HandoverApi,
    merges::MergesApi,
    attachments::CustomerAttachmentsApi,
);

/// The customer endpoints.
pub fn api() -> CustomersApi {
    (
        records::CustomersApi,
        links::LinksApi,
        blacklist::BlacklistApi,
        handover::HandoverApi,
        merges::MergesApi,
        attachments::CustomerAttachmentsApi,
    )
}
