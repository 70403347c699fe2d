//! Loan approval (贷款审批): flows defined per tenant ([`flows`]), the
//! workflow of each application ([`workflow`]), work queues ([`queues`]);
//! next approvers are told through the staff inbox ([`crate::inbox`]).

pub mod flows;
pub mod queues;
pub mod workflow;

/// The application and approval endpoints of `/api/v1`.
pub type ApprovalApi = (
    crate::applications::records::ApplicationsApi,
    flows::FlowsApi,
    workflow::WorkflowApi,
    queues::QueuesApi,
    crate::inbox::InboxApi,
);

/// The application and approval endpoints.
pub fn api() -> ApprovalApi {
    (
        crate::applications::records::ApplicationsApi,
        flows::FlowsApi,
        workflow::WorkflowApi,
        queues::QueuesApi,
        crate::inbox::InboxApi,
    )
}
