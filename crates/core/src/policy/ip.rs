//! SSRF address classification: is this IP a place a webhook may go?
//!
//! Pure and total: every `IpAddr` is either allowed or blocked with a [`BlockReason`]. The
//! tables follow LangGraph's block lists (shared/spec/webhooks.md §8.6) and Svix's "global
//! addresses only" resolver, with runwire's hardening:
//!
//! - IPv6 forms that carry an IPv4 address — IPv4-mapped `::ffff:0:0/96`, IPv4-compatible
//!   `::/96`, NAT64 `64:ff9b::/96` and `64:ff9b:1::/48`, 6to4 `2002::/16` — are unwrapped and
//!   judged by the IPv4 rules, so `::ffff:127.0.0.1` or `64:ff9b::a9fe:a9fe` cannot smuggle a
//!   blocked address past the check. Teredo (`2001::/32`) is blocked outright: its embedded
//!   address is obfuscated and no webhook endpoint needs it.
//! - Cloud metadata addresses (`169.254.169.254`, `169.254.170.2`, `100.100.100.200`,
//!   `fd00:ec2::254`) are always blocked, with their own reason, whatever the profile.
//! - Loopback is blocked unless the policy allows it; private ranges (RFC 1918, CGNAT
//!   `100.64.0.0/10`, ULA `fc00::/7`, site-local `fec0::/10`) when the policy blocks them.
//! - Everything that is never a public unicast destination is always blocked: unspecified,
//!   `0.0.0.0/8`, link-local, IETF protocol assignments, TEST-NETs and IPv6 documentation,
//!   benchmarking, multicast, reserved `240.0.0.0/4`, broadcast, discard-only `100::/64`.
//!
//! Only the reason's short text is LangGraph's (`blocked IP range`, `cloud metadata endpoint`);
//! the address itself never appears in an error, so errors are safe to log.
//!
//! [`check_ip_langgraph`] is the `langgraph` profile's classifier: LangGraph Platform's own
//! table and order (langgraph-api 0.16.7, `lc_security/policy.py`) — IPv4-mapped, IPv4-compatible
//! (so `::1` too) and NAT64 IPv6 addresses blocked outright, link-local (metadata included)
//! before the metadata check, LangGraph's words (`loopback IP range`, `private IP range`) — then
//! runwire's hardening on top, so that profile is never looser than LangGraph.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Which optional blocks apply (the always-blocked classes are not configurable).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IpRules {
    /// Block `127.0.0.0/8` and `::1`.
    pub block_loopback: bool,
    /// Block RFC 1918, CGNAT, ULA and site-local ranges.
    pub block_private: bool,
}

/// Why an address (or a host name) is refused. `Display` is LangGraph's reason text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum BlockReason {
    /// A cloud metadata address or host name.
    CloudMetadata,
    /// A loopback address or a name that means the local host.
    Loopback,
    /// A private range, blocked because the policy blocks private IPs.
    Private,
    /// Link-local (`169.254.0.0/16`, `fe80::/10`).
    LinkLocal,
    /// Never a public unicast destination: unspecified, reserved, documentation, benchmarking,
    /// multicast, broadcast, protocol assignments.
    Reserved,
    /// The host name did not resolve.
    DnsResolutionFailed,
    /// Loopback, in LangGraph's words (`langgraph` profile).
    LoopbackRange,
    /// A private range, in LangGraph's words (`langgraph` profile).
    PrivateRange,
    /// `localhost`, `localhost.localdomain` or `host.docker.internal` (`langgraph` profile).
    LocalhostName,
    /// A `*.svc.cluster.local` name (`langgraph` profile: always blocked, as LangGraph does).
    KubernetesInternal,
}

impl BlockReason {
    /// LangGraph's reason text (the part after `Webhook host blocked: `).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::CloudMetadata => "cloud metadata endpoint",
            Self::DnsResolutionFailed => "DNS resolution failed",
            Self::Loopback | Self::Private | Self::LinkLocal | Self::Reserved => "blocked IP range",
            Self::LoopbackRange => "loopback IP range",
            Self::PrivateRange => "private IP range",
            Self::LocalhostName => "localhost address",
            Self::KubernetesInternal => "Kubernetes internal DNS",
        }
    }

    /// A stable machine-readable class (`metadata`, `loopback`, `private`, ...).
    pub fn class(self) -> &'static str {
        match self {
            Self::CloudMetadata => "metadata",
            Self::Loopback | Self::LoopbackRange | Self::LocalhostName => "loopback",
            Self::Private | Self::PrivateRange => "private",
            Self::KubernetesInternal => "kubernetes",
            Self::LinkLocal => "link_local",
            Self::Reserved => "reserved",
            Self::DnsResolutionFailed => "dns",
        }
    }

    /// Whether this block survives an `allowed_domains` match. The allowlist overrides the
    /// private/loopback checks (LangGraph), but metadata and link-local stay blocked (runwire).
    pub fn survives_allowlist(self) -> bool {
        matches!(self, Self::CloudMetadata | Self::LinkLocal)
    }
}

impl std::fmt::Display for BlockReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

const METADATA_V4: [Ipv4Addr; 3] =
    [Ipv4Addr::new(169, 254, 169, 254), Ipv4Addr::new(169, 254, 170, 2), Ipv4Addr::new(100, 100, 100, 200)];
const METADATA_V6: Ipv6Addr = Ipv6Addr::new(0xfd00, 0x0ec2, 0, 0, 0, 0, 0, 0x0254);

fn in_v4(ip: Ipv4Addr, net: [u8; 4], prefix: u32) -> bool {
    let mask = if prefix == 0 { 0 } else { u32::MAX << (32 - prefix) };
    (u32::from(ip) & mask) == (u32::from(Ipv4Addr::from(net)) & mask)
}

fn in_v6(ip: Ipv6Addr, net: [u16; 8], prefix: u32) -> bool {
    let mask = if prefix == 0 { 0 } else { u128::MAX << (128 - prefix) };
    let [a, b, c, d, e, f, g, h] = net;
    (u128::from(ip) & mask) == (u128::from(Ipv6Addr::new(a, b, c, d, e, f, g, h)) & mask)
}

/// Classifies an address: `Ok(())` if a webhook may connect to it.
pub fn check_ip(ip: IpAddr, rules: IpRules) -> Result<(), BlockReason> {
    match ip {
        IpAddr::V4(v4) => check_v4(v4, rules),
        IpAddr::V6(v6) => check_v6(v6, rules),
    }
}

/// LangGraph Platform's address rules and reason words, then runwire's ([`check_ip`]) so
/// nothing LangGraph allows but runwire blocks gets through (those keep LangGraph's wording).
pub fn check_ip_langgraph(ip: IpAddr, rules: IpRules) -> Result<(), BlockReason> {
    match ip {
        IpAddr::V4(v4) => langgraph_v4(v4, rules)?,
        IpAddr::V6(v6) => langgraph_v6(v6, rules)?,
    }
    check_ip(ip, rules).map_err(|reason| match reason {
        BlockReason::Loopback => BlockReason::LoopbackRange,
        BlockReason::Private => BlockReason::PrivateRange,
        other => other,
    })
}

fn langgraph_v4(ip: Ipv4Addr, rules: IpRules) -> Result<(), BlockReason> {
    if in_v4(ip, [169, 254, 0, 0], 16) {
        // Before the metadata check, as in LangGraph: 169.254.169.254 reads "blocked IP range".
        return Err(BlockReason::LinkLocal);
    }
    const ALWAYS: [([u8; 4], u32); 9] = [
        ([0, 0, 0, 0], 8),
        ([192, 0, 0, 0], 24),
        ([192, 0, 2, 0], 24),
        ([198, 18, 0, 0], 15),
        ([198, 51, 100, 0], 24),
        ([203, 0, 113, 0], 24),
        ([224, 0, 0, 0], 4),
        ([240, 0, 0, 0], 4),
        ([255, 255, 255, 255], 32),
    ];
    if ALWAYS.iter().any(|&(net, prefix)| in_v4(ip, net, prefix)) {
        return Err(BlockReason::Reserved);
    }
    if rules.block_loopback && in_v4(ip, [127, 0, 0, 0], 8) {
        return Err(BlockReason::LoopbackRange);
    }
    const PRIVATE: [([u8; 4], u32); 4] =
        [([10, 0, 0, 0], 8), ([172, 16, 0, 0], 12), ([192, 168, 0, 0], 16), ([100, 64, 0, 0], 10)];
    if rules.block_private && PRIVATE.iter().any(|&(net, prefix)| in_v4(ip, net, prefix)) {
        return Err(BlockReason::PrivateRange);
    }
    if METADATA_V4.contains(&ip) {
        return Err(BlockReason::CloudMetadata);
    }
    Ok(())
}

fn langgraph_v6(ip: Ipv6Addr, rules: IpRules) -> Result<(), BlockReason> {
    if in_v6(ip, [0xfe80, 0, 0, 0, 0, 0, 0, 0], 10) {
        return Err(BlockReason::LinkLocal);
    }
    // Multicast; IPv4-mapped; IPv4-compatible (which holds `::` and `::1`); NAT64 /96 and /48.
    const ALWAYS: [([u16; 8], u32); 5] = [
        ([0xff00, 0, 0, 0, 0, 0, 0, 0], 8),
        ([0, 0, 0, 0, 0, 0xffff, 0, 0], 96),
        ([0, 0, 0, 0, 0, 0, 0, 0], 96),
        ([0x64, 0xff9b, 0, 0, 0, 0, 0, 0], 96),
        ([0x64, 0xff9b, 1, 0, 0, 0, 0, 0], 48),
    ];
    if ALWAYS.iter().any(|&(net, prefix)| in_v6(ip, net, prefix)) {
        return Err(BlockReason::Reserved);
    }
    if rules.block_private && in_v6(ip, [0xfc00, 0, 0, 0, 0, 0, 0, 0], 7) {
        return Err(BlockReason::PrivateRange);
    }
    if ip == METADATA_V6 {
        return Err(BlockReason::CloudMetadata);
    }
    Ok(())
}

/// IPv4 rules.
pub fn check_v4(ip: Ipv4Addr, rules: IpRules) -> Result<(), BlockReason> {
    if METADATA_V4.contains(&ip) {
        return Err(BlockReason::CloudMetadata);
    }
    if in_v4(ip, [127, 0, 0, 0], 8) {
        return if rules.block_loopback { Err(BlockReason::Loopback) } else { Ok(()) };
    }
    if in_v4(ip, [169, 254, 0, 0], 16) {
        return Err(BlockReason::LinkLocal);
    }
    const RESERVED: [([u8; 4], u32); 10] = [
        ([0, 0, 0, 0], 8),       // "this network", incl. 0.0.0.0
        ([192, 0, 0, 0], 24),    // IETF protocol assignments
        ([192, 0, 2, 0], 24),    // TEST-NET-1
        ([198, 51, 100, 0], 24), // TEST-NET-2
        ([203, 0, 113, 0], 24),  // TEST-NET-3
        ([198, 18, 0, 0], 15),   // benchmarking
        ([192, 88, 99, 0], 24),  // deprecated 6to4 relay anycast
        ([224, 0, 0, 0], 4),     // multicast
        ([240, 0, 0, 0], 4),     // reserved, incl. 255.255.255.255 broadcast
        ([255, 255, 255, 255], 32),
    ];
    if RESERVED.iter().any(|&(net, prefix)| in_v4(ip, net, prefix)) {
        return Err(BlockReason::Reserved);
    }
    const PRIVATE: [([u8; 4], u32); 4] =
        [([10, 0, 0, 0], 8), ([172, 16, 0, 0], 12), ([192, 168, 0, 0], 16), ([100, 64, 0, 0], 10)];
    if rules.block_private && PRIVATE.iter().any(|&(net, prefix)| in_v4(ip, net, prefix)) {
        return Err(BlockReason::Private);
    }
    Ok(())
}

/// The IPv4 address an IPv6 address stands for, if it is one of the embedding forms:
/// IPv4-mapped, IPv4-compatible (not `::` or `::1`), NAT64 (well-known and local-use), 6to4.
pub fn embedded_v4(ip: Ipv6Addr) -> Option<Ipv4Addr> {
    let bits = u128::from(ip);
    let low32 = Ipv4Addr::from(u32::try_from(bits & 0xffff_ffff).unwrap_or(0));
    if in_v6(ip, [0, 0, 0, 0, 0, 0xffff, 0, 0], 96) || in_v6(ip, [0x64, 0xff9b, 0, 0, 0, 0, 0, 0], 96) {
        return Some(low32);
    }
    if in_v6(ip, [0, 0, 0, 0, 0, 0, 0, 0], 96) && bits > 1 {
        return Some(low32);
    }
    if in_v6(ip, [0x64, 0xff9b, 1, 0, 0, 0, 0, 0], 48) {
        // RFC 8215 local-use NAT64: the address sits in the low 32 bits for a /96 mapping,
        // the most common deployment; judging those bits errs on the side of blocking.
        return Some(low32);
    }
    if in_v6(ip, [0x2002, 0, 0, 0, 0, 0, 0, 0], 16) {
        return Some(Ipv4Addr::from(u32::try_from((bits >> 80) & 0xffff_ffff).unwrap_or(0)));
    }
    None
}

/// IPv6 rules; embedded IPv4 addresses are judged by the IPv4 rules.
pub fn check_v6(ip: Ipv6Addr, rules: IpRules) -> Result<(), BlockReason> {
    if ip == METADATA_V6 {
        return Err(BlockReason::CloudMetadata);
    }
    if ip.is_unspecified() {
        return Err(BlockReason::Reserved);
    }
    if ip.is_loopback() {
        return if rules.block_loopback { Err(BlockReason::Loopback) } else { Ok(()) };
    }
    if let Some(v4) = embedded_v4(ip) {
        return check_v4(v4, rules);
    }
    if in_v6(ip, [0xfe80, 0, 0, 0, 0, 0, 0, 0], 10) {
        return Err(BlockReason::LinkLocal);
    }
    const RESERVED: [([u16; 8], u32); 6] = [
        ([0xff00, 0, 0, 0, 0, 0, 0, 0], 8),       // multicast
        ([0x0100, 0, 0, 0, 0, 0, 0, 0], 64),      // discard-only
        ([0x2001, 0, 0, 0, 0, 0, 0, 0], 23),      // IETF protocol assignments: Teredo, benchmarking, ORCHID
        ([0x2001, 0x0db8, 0, 0, 0, 0, 0, 0], 32), // documentation
        ([0x3fff, 0, 0, 0, 0, 0, 0, 0], 20),      // documentation (RFC 9637)
        ([0x5f00, 0, 0, 0, 0, 0, 0, 0], 16),      // SRv6 SIDs, not a host destination
    ];
    if RESERVED.iter().any(|&(net, prefix)| in_v6(ip, net, prefix)) {
        return Err(BlockReason::Reserved);
    }
    // Anything outside global unicast 2000::/3 and the ranges below is unassigned.
    let private = in_v6(ip, [0xfc00, 0, 0, 0, 0, 0, 0, 0], 7) || in_v6(ip, [0xfec0, 0, 0, 0, 0, 0, 0, 0], 10);
    if private {
        return if rules.block_private { Err(BlockReason::Private) } else { Ok(()) };
    }
    if !in_v6(ip, [0x2000, 0, 0, 0, 0, 0, 0, 0], 3) {
        return Err(BlockReason::Reserved);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const STRICT: IpRules = IpRules { block_loopback: true, block_private: true };
    const LOOSE: IpRules = IpRules { block_loopback: false, block_private: false };

    type Verdict = Result<(), BlockReason>;

    fn v(ip: &str, rules: IpRules) -> Result<(), BlockReason> {
        check_ip(ip.parse().unwrap(), rules)
    }

    #[test]
    fn table() {
        use BlockReason::*;
        let cases: &[(&str, Verdict, Verdict)] = &[
            // (ip, strict, loose)
            ("93.184.216.34", Ok(()), Ok(())),
            ("8.8.8.8", Ok(()), Ok(())),
            ("127.0.0.1", Err(Loopback), Ok(())),
            ("127.255.255.254", Err(Loopback), Ok(())),
            ("10.1.2.3", Err(Private), Ok(())),
            ("172.16.0.1", Err(Private), Ok(())),
            ("172.31.255.255", Err(Private), Ok(())),
            ("172.32.0.1", Ok(()), Ok(())),
            ("192.168.1.1", Err(Private), Ok(())),
            ("100.64.0.1", Err(Private), Ok(())),
            ("100.100.100.200", Err(CloudMetadata), Err(CloudMetadata)),
            ("169.254.169.254", Err(CloudMetadata), Err(CloudMetadata)),
            ("169.254.170.2", Err(CloudMetadata), Err(CloudMetadata)),
            ("169.254.1.1", Err(LinkLocal), Err(LinkLocal)),
            ("0.0.0.0", Err(Reserved), Err(Reserved)),
            ("0.1.2.3", Err(Reserved), Err(Reserved)),
            ("192.0.0.8", Err(Reserved), Err(Reserved)),
            ("192.0.2.1", Err(Reserved), Err(Reserved)),
            ("198.51.100.7", Err(Reserved), Err(Reserved)),
            ("203.0.113.9", Err(Reserved), Err(Reserved)),
            ("198.18.0.1", Err(Reserved), Err(Reserved)),
            ("198.19.255.255", Err(Reserved), Err(Reserved)),
            ("224.0.0.1", Err(Reserved), Err(Reserved)),
            ("239.255.255.250", Err(Reserved), Err(Reserved)),
            ("240.0.0.1", Err(Reserved), Err(Reserved)),
            ("255.255.255.255", Err(Reserved), Err(Reserved)),
            ("2606:4700::1111", Ok(()), Ok(())),
            ("::1", Err(Loopback), Ok(())),
            ("::", Err(Reserved), Err(Reserved)),
            ("fe80::1", Err(LinkLocal), Err(LinkLocal)),
            ("ff02::1", Err(Reserved), Err(Reserved)),
            ("fc00::1", Err(Private), Ok(())),
            ("fd12:3456::1", Err(Private), Ok(())),
            ("fec0::1", Err(Private), Ok(())),
            ("fd00:ec2::254", Err(CloudMetadata), Err(CloudMetadata)),
            ("2001:db8::1", Err(Reserved), Err(Reserved)),
            ("2001::1", Err(Reserved), Err(Reserved)),
            ("2001:2::1", Err(Reserved), Err(Reserved)),
            ("3fff::1", Err(Reserved), Err(Reserved)),
            ("100::1", Err(Reserved), Err(Reserved)),
            ("4000::1", Err(Reserved), Err(Reserved)),
            ("::ffff:127.0.0.1", Err(Loopback), Ok(())),
            ("::ffff:169.254.169.254", Err(CloudMetadata), Err(CloudMetadata)),
            ("::ffff:10.0.0.1", Err(Private), Ok(())),
            ("::ffff:8.8.8.8", Ok(()), Ok(())),
            ("::127.0.0.1", Err(Loopback), Ok(())),
            ("64:ff9b::a9fe:a9fe", Err(CloudMetadata), Err(CloudMetadata)),
            ("64:ff9b::7f00:1", Err(Loopback), Ok(())),
            ("64:ff9b::808:808", Ok(()), Ok(())),
            ("64:ff9b:1::a00:1", Err(Private), Ok(())),
            ("2002:7f00:1::", Err(Loopback), Ok(())),
            ("2002:a9fe:a9fe::1", Err(CloudMetadata), Err(CloudMetadata)),
            ("2002:0808:0808::1", Ok(()), Ok(())),
        ];
        for (ip, strict, loose) in cases {
            assert_eq!(v(ip, STRICT), *strict, "{ip} strict");
            assert_eq!(v(ip, LOOSE), *loose, "{ip} loose");
        }
    }

    #[test]
    fn langgraph_table() {
        use BlockReason::*;
        // LangGraph's defaults with a webhooks.url block: loopback blocked, private allowed.
        let lg = IpRules { block_loopback: true, block_private: false };
        let cases: &[(&str, IpRules, Verdict)] = &[
            ("8.8.8.8", lg, Ok(())),
            ("10.0.0.1", lg, Ok(())),
            ("10.0.0.1", STRICT, Err(PrivateRange)),
            ("127.0.0.1", lg, Err(LoopbackRange)),
            ("127.0.0.1", LOOSE, Ok(())),
            ("169.254.169.254", lg, Err(LinkLocal)),
            ("169.254.170.2", LOOSE, Err(LinkLocal)),
            ("100.100.100.200", lg, Err(CloudMetadata)),
            ("100.100.100.200", STRICT, Err(PrivateRange)),
            ("192.0.2.1", LOOSE, Err(Reserved)),
            ("::1", LOOSE, Err(Reserved)),
            ("::", LOOSE, Err(Reserved)),
            ("::ffff:10.0.0.1", LOOSE, Err(Reserved)),
            ("::ffff:8.8.8.8", LOOSE, Err(Reserved)),
            ("::a00:1", LOOSE, Err(Reserved)),
            ("64:ff9b::808:808", LOOSE, Err(Reserved)),
            ("64:ff9b:1::1", LOOSE, Err(Reserved)),
            ("fe80::1", LOOSE, Err(LinkLocal)),
            ("ff02::1", LOOSE, Err(Reserved)),
            ("fd00::1", lg, Ok(())),
            ("fd00::1", STRICT, Err(PrivateRange)),
            ("fd00:ec2::254", lg, Err(CloudMetadata)),
            ("2606:4700::1111", lg, Ok(())),
            // runwire's hardening on top, in LangGraph's words.
            ("2001:db8::1", LOOSE, Err(Reserved)),
            ("2002:7f00:1::", lg, Err(LoopbackRange)),
            ("2002:a00:1::", STRICT, Err(PrivateRange)),
        ];
        for (ip, rules, expected) in cases {
            assert_eq!(check_ip_langgraph(ip.parse().unwrap(), *rules), *expected, "{ip} {rules:?}");
        }
        assert_eq!(LoopbackRange.to_string(), "loopback IP range");
        assert_eq!(PrivateRange.to_string(), "private IP range");
        assert_eq!(LocalhostName.to_string(), "localhost address");
        assert_eq!(KubernetesInternal.to_string(), "Kubernetes internal DNS");
    }

    #[test]
    fn reasons_read_like_langgraph() {
        assert_eq!(BlockReason::CloudMetadata.to_string(), "cloud metadata endpoint");
        assert_eq!(BlockReason::Loopback.to_string(), "blocked IP range");
        assert_eq!(BlockReason::DnsResolutionFailed.to_string(), "DNS resolution failed");
        assert!(BlockReason::CloudMetadata.survives_allowlist());
        assert!(!BlockReason::Private.survives_allowlist());
    }
}
