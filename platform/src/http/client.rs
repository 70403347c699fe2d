//! Who is calling: the client's address, taken from `X-Forwarded-For` only
//! when the peer is a trusted reverse proxy (`server.trusted_proxies`).

use std::net::IpAddr;

use poem::Request;

/// The client's IP address as text (`unknown` when there is none).
pub fn ip(req: &Request, trusted_proxies: &[IpAddr]) -> String {
    let peer = req.remote_addr().as_socket_addr().map(|a| a.ip());
    if let Some(peer) = peer {
        if trusted_proxies.contains(&peer) {
            // The right-most address not itself a trusted proxy is the client.
            let forwarded = req
                .headers()
                .get_all("x-forwarded-for")
                .iter()
                .filter_map(|v| v.to_str().ok())
                .flat_map(|v| v.split(','))
                .filter_map(|a| a.trim().parse::<IpAddr>().ok())
                .collect::<Vec<_>>();
            if let Some(client) = forwarded
                .iter()
                .rev()
                .find(|a| !trusted_proxies.contains(a))
            {
                return client.to_string();
            }
        }
        return peer.to_string();
    }
    "unknown".to_string()
}

/// The caller's user agent, shortened for the audit trail.
pub fn user_agent(req: &Request) -> Option<String> {
    req.headers()
        .get("user-agent")
        .and_then(|v| v.to_str().ok())
        .map(|s| s.chars().take(300).collect())
}
