//! The SNS sink's pure half: configuration, the query-API forms it posts, and reading answers.
//!
//! One attempt publishes the canonical body as `Message` with message attributes `id`, `type`,
//! `event`, `run_id` and the signature headers ([`crate::sinks::queue`]; SNS allows 10
//! attributes, a record has at most 8). FIFO topics (`….fifo`) also get `MessageGroupId` = the
//! root run id (one run's events stay ordered) and `MessageDeduplicationId` = the event id (a
//! retry within SNS's 5-minute window is dropped by SNS itself). The 256 KB message limit cannot be
//! reached: the envelope caps bodies at `maxBodyBytes` (≤ 64 KB) by field-level truncation.
//!
//! Under load the Node addon coalesces concurrent attempts into `PublishBatch` calls of up to 10
//! entries and 256 KB; each entry's own success or failure is that attempt's outcome. Requests
//! are signed with SigV4 (`aws-sigv4`) and sent over the addon's HTTP client; credentials come
//! from `credentials` or the usual `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY` /
//! `AWS_SESSION_TOKEN`, the region from `region`, the topic ARN, or `AWS_REGION`.

use std::fmt::Write as _;
use std::time::Duration;

use crate::sinks::queue::RecordSigning;
use crate::sinks::queue_config::Credential;

/// Default linger of the batcher: how long the first attempt waits for company.
pub const DEFAULT_LINGER_MS: u64 = 2;
/// Entries per `PublishBatch` (the SNS limit).
pub const MAX_BATCH_ENTRIES: usize = 10;
/// Bytes per `PublishBatch` (the SNS limit on the sum of messages and attributes).
pub const MAX_BATCH_BYTES: usize = 256 * 1024;
/// The SNS API version of the query protocol.
pub const API_VERSION: &str = "2010-03-31";

/// Static credentials (`Debug` redacts the secret and the token).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnsCredentials {
    /// Access key id (not secret: it names the key).
    pub access_key_id: String,
    /// Secret access key.
    pub secret_access_key: Credential,
    /// Session token for temporary credentials.
    pub session_token: Option<Credential>,
}

/// An SNS sink.
#[derive(Debug, Clone)]
pub struct SnsConfig {
    /// `arn:aws:sns:<region>:<account>:<name>`.
    pub topic_arn: String,
    /// Region; else the ARN's, else `AWS_REGION`.
    pub region: Option<String>,
    /// Endpoint override (`http://127.0.0.1:4566`, a VPC endpoint, …).
    pub endpoint: Option<String>,
    /// Credentials; else the environment's.
    pub credentials: Option<SnsCredentials>,
    /// Coalesce concurrent attempts into `PublishBatch`.
    pub coalesce: bool,
    /// Batcher linger.
    pub linger: Duration,
    /// Record signing.
    pub signing: RecordSigning,
    /// Per-attempt timeout.
    pub timeout: Duration,
}

impl SnsConfig {
    /// Checks what can be known without a request.
    pub fn validate(&self) -> Result<(), String> {
        let parts: Vec<&str> = self.topic_arn.split(':').collect();
        if parts.len() != 6 || parts[0] != "arn" || parts[2] != "sns" || parts[5].is_empty() {
            return Err(format!("topicArn must be arn:aws:sns:<region>:<account>:<topic>, got {:?}", self.topic_arn));
        }
        if let Some(endpoint) = &self.endpoint {
            if !(endpoint.starts_with("http://") || endpoint.starts_with("https://")) || endpoint.contains('@') {
                return Err(format!("endpoint must be an http(s):// URL without credentials, got {endpoint:?}"));
            }
        }
        Ok(())
    }

    /// The region to sign for: the option, the ARN's, then `env_region`.
    pub fn resolved_region(&self, env_region: Option<&str>) -> Option<String> {
        let from_arn = self.topic_arn.split(':').nth(3).filter(|r| !r.is_empty());
        self.region.as_deref().or(from_arn).or(env_region).map(str::to_owned)
    }

    /// Whether the topic is FIFO.
    pub fn is_fifo(&self) -> bool {
        self.topic_arn.ends_with(".fifo")
    }

    /// The endpoint to post to.
    pub fn endpoint_url(&self, region: &str) -> String {
        match &self.endpoint {
            Some(endpoint) => endpoint.clone(),
            None => format!("https://sns.{region}.amazonaws.com/"),
        }
    }
}

/// One message to publish.
#[derive(Debug, Clone)]
pub struct SnsMessage {
    /// The body.
    pub message: String,
    /// Attributes (name, string value).
    pub attributes: Vec<(String, String)>,
    /// FIFO group (root run id).
    pub group_id: Option<String>,
    /// FIFO dedupe id (event id).
    pub dedupe_id: Option<String>,
}

impl SnsMessage {
    /// Bytes counted against the batch limit.
    pub fn size(&self) -> usize {
        self.message.len() + self.attributes.iter().map(|(k, v)| k.len() + v.len() + 6).sum::<usize>()
    }
}

/// Form-encodes (application/x-www-form-urlencoded, RFC 3986 unreserved kept).
fn encode(out: &mut String, text: &str) {
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(byte));
        } else {
            let _ = write!(out, "%{byte:02X}");
        }
    }
}

fn pair(out: &mut String, key: &str, value: &str) {
    if !out.is_empty() {
        out.push('&');
    }
    encode(out, key);
    out.push('=');
    encode(out, value);
}

fn message_fields(out: &mut String, prefix: &str, message: &SnsMessage) {
    pair(out, &format!("{prefix}Message"), &message.message);
    for (i, (name, value)) in message.attributes.iter().enumerate() {
        let entry = format!("{prefix}MessageAttributes.entry.{}", i + 1);
        pair(out, &format!("{entry}.Name"), name);
        pair(out, &format!("{entry}.Value.DataType"), "String");
        pair(out, &format!("{entry}.Value.StringValue"), value);
    }
    if let Some(group) = &message.group_id {
        pair(out, &format!("{prefix}MessageGroupId"), group);
    }
    if let Some(dedupe) = &message.dedupe_id {
        pair(out, &format!("{prefix}MessageDeduplicationId"), dedupe);
    }
}

/// The `Publish` form.
pub fn publish_form(topic_arn: &str, message: &SnsMessage) -> String {
    let mut out = String::with_capacity(message.message.len() * 3 / 2 + 256);
    pair(&mut out, "Action", "Publish");
    pair(&mut out, "Version", API_VERSION);
    pair(&mut out, "TopicArn", topic_arn);
    message_fields(&mut out, "", message);
    out
}

/// The `PublishBatch` form; entry `i` has id `m<i>`.
pub fn publish_batch_form(topic_arn: &str, messages: &[&SnsMessage]) -> String {
    let mut out = String::with_capacity(messages.iter().map(|m| m.message.len() * 3 / 2 + 256).sum());
    pair(&mut out, "Action", "PublishBatch");
    pair(&mut out, "Version", API_VERSION);
    pair(&mut out, "TopicArn", topic_arn);
    for (i, message) in messages.iter().enumerate() {
        let prefix = format!("PublishBatchRequestEntries.member.{}.", i + 1);
        pair(&mut out, &format!("{prefix}Id"), &format!("m{i}"));
        message_fields(&mut out, &prefix, message);
    }
    out
}

fn tag<'a>(xml: &'a str, name: &str) -> Option<&'a str> {
    let open = format!("<{name}>");
    let start = xml.find(&open)? + open.len();
    let end = xml[start..].find(&format!("</{name}>"))? + start;
    Some(&xml[start..end])
}

/// An error answer's `<Code>` and `<Message>` (empty when absent).
pub fn error_code(xml: &str) -> (String, String) {
    let code = tag(xml, "Code").unwrap_or("").trim().to_owned();
    let message = tag(xml, "Message").unwrap_or("").trim().to_owned();
    (code, message)
}

/// One entry's failure in a `PublishBatch` answer: code, message, whether the sender is at fault.
pub type EntryFailure = (String, String, bool);

/// A `PublishBatch` answer: per entry index, `Ok(())` or `Err((code, message, sender_fault))`.
/// Entries the answer does not mention are absent from the map (the caller treats them as failed).
pub fn batch_results(xml: &str, entries: usize) -> Vec<Option<Result<(), EntryFailure>>> {
    let mut results = vec![None; entries];
    let index =
        |member: &str| tag(member, "Id")?.trim().strip_prefix('m')?.parse::<usize>().ok().filter(|&i| i < entries);
    let members = |section: Option<&str>| -> Vec<String> {
        section
            .map(|s| {
                s.split("<member>").skip(1).map(|m| m.split("</member>").next().unwrap_or("").to_owned()).collect()
            })
            .unwrap_or_default()
    };
    for member in members(tag(xml, "Successful")) {
        if let Some(i) = index(&member) {
            results[i] = Some(Ok(()));
        }
    }
    for member in members(tag(xml, "Failed")) {
        if let Some(i) = index(&member) {
            let code = tag(&member, "Code").unwrap_or("").trim().to_owned();
            let message = tag(&member, "Message").unwrap_or("").trim().to_owned();
            let sender = tag(&member, "SenderFault").is_some_and(|s| s.trim() == "true");
            results[i] = Some(Err((code, message, sender)));
        }
    }
    results
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message() -> SnsMessage {
        SnsMessage {
            message: r#"{"a":"b c"}"#.into(),
            attributes: vec![("id".into(), "r:on_tool_end:1".into())],
            group_id: Some("root".into()),
            dedupe_id: Some("r:on_tool_end:1".into()),
        }
    }

    #[test]
    fn forms() {
        let form = publish_form("arn:aws:sns:us-east-1:1:t.fifo", &message());
        assert_eq!(
            form,
            "Action=Publish&Version=2010-03-31&TopicArn=arn%3Aaws%3Asns%3Aus-east-1%3A1%3At.fifo\
             &Message=%7B%22a%22%3A%22b%20c%22%7D&MessageAttributes.entry.1.Name=id\
             &MessageAttributes.entry.1.Value.DataType=String&MessageAttributes.entry.1.Value.StringValue=r%3Aon_tool_end%3A1\
             &MessageGroupId=root&MessageDeduplicationId=r%3Aon_tool_end%3A1"
        );
        let m = message();
        let batch = publish_batch_form("arn:aws:sns:us-east-1:1:t", &[&m, &m]);
        assert!(batch.contains("PublishBatchRequestEntries.member.2.Id=m1"));
        assert!(batch.contains("PublishBatchRequestEntries.member.1.MessageAttributes.entry.1.Name=id"));
    }

    #[test]
    fn answers() {
        let xml = "<PublishBatchResponse><PublishBatchResult><Failed><member><Code>InternalError</Code>\
                   <Id>m1</Id><Message>boom</Message><SenderFault>false</SenderFault></member></Failed>\
                   <Successful><member><Id>m0</Id><MessageId>x</MessageId></member></Successful>\
                   </PublishBatchResult></PublishBatchResponse>";
        let results = batch_results(xml, 3);
        assert_eq!(results[0], Some(Ok(())));
        assert_eq!(results[1], Some(Err(("InternalError".into(), "boom".into(), false))));
        assert_eq!(results[2], None);
        let error = "<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error></ErrorResponse>";
        assert_eq!(error_code(error), ("Throttling".into(), "Rate exceeded".into()));
    }

    #[test]
    fn config() {
        let config = SnsConfig {
            topic_arn: "arn:aws:sns:eu-west-1:123:t".into(),
            region: None,
            endpoint: None,
            credentials: None,
            coalesce: true,
            linger: Duration::from_millis(DEFAULT_LINGER_MS),
            signing: RecordSigning::default(),
            timeout: Duration::from_secs(1),
        };
        assert_eq!(config.resolved_region(Some("us-east-1")).as_deref(), Some("eu-west-1"));
        assert_eq!(config.endpoint_url("eu-west-1"), "https://sns.eu-west-1.amazonaws.com/");
        assert!(!config.is_fifo());
        assert!(SnsConfig { topic_arn: "arn:aws:sqs:r:1:t".into(), ..config.clone() }.validate().is_err());
        assert!(SnsConfig { endpoint: Some("http://k:s@h".into()), ..config }.validate().is_err());
    }
}
