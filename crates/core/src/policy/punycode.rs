//! Is an `xn--` host label real punycode? The web build's check for what its runtime's URL
//! parser may let through.
//!
//! The addon parses URLs with the `url` crate, whose IDNA step refuses a label such as `xn--zz`
//! that does not decode. The web build receives `new URL(input).href` from the JS runtime, and
//! not every runtime's parser refuses such labels (workerd's and Chromium's keep
//! `https://xn--zz.example/` as it is). So the normalised-href parser decodes every ACE label
//! itself (RFC 3492) and refuses the host unless the label decodes, decodes to something that
//! is not plain ASCII (an ASCII-only result is not a valid IDNA label) and holds no ASCII
//! upper-case or control characters. UTS #46's table-driven checks (disallowed code points,
//! NFC) are not repeated: they would cost the web build the IDNA tables it leaves to its
//! runtime.

const BASE: u32 = 36;
const T_MIN: u32 = 1;
const T_MAX: u32 = 26;
const SKEW: u32 = 38;
const DAMP: u32 = 700;
const INITIAL_BIAS: u32 = 72;
const INITIAL_N: u32 = 128;

fn adapt(delta: u32, points: u32, first: bool) -> u32 {
    let mut delta = if first { delta / DAMP } else { delta / 2 };
    delta += delta / points;
    let mut k = 0;
    while delta > ((BASE - T_MIN) * T_MAX) / 2 {
        delta /= BASE - T_MIN;
        k += BASE;
    }
    k + (((BASE - T_MIN + 1) * delta) / (delta + SKEW))
}

/// Decodes the part after `xn--` (RFC 3492 §6.2); `None` if it is not valid punycode.
pub fn decode(encoded: &str) -> Option<Vec<char>> {
    let (basic, digits) = match encoded.rfind('-') {
        Some(at) => (&encoded[..at], &encoded[at + 1..]),
        None => ("", encoded),
    };
    if !basic.is_ascii() {
        return None;
    }
    let mut output: Vec<char> = basic.chars().collect();
    let (mut n, mut i, mut bias) = (INITIAL_N, 0u32, INITIAL_BIAS);
    let mut bytes = digits.bytes().peekable();
    while bytes.peek().is_some() {
        let old_i = i;
        let mut weight = 1u32;
        let mut k = BASE;
        loop {
            let digit = match bytes.next()? {
                b @ b'a'..=b'z' => u32::from(b - b'a'),
                b @ b'A'..=b'Z' => u32::from(b - b'A'),
                b @ b'0'..=b'9' => u32::from(b - b'0') + 26,
                _ => return None,
            };
            i = i.checked_add(digit.checked_mul(weight)?)?;
            let t = if k <= bias {
                T_MIN
            } else if k >= bias + T_MAX {
                T_MAX
            } else {
                k - bias
            };
            if digit < t {
                break;
            }
            weight = weight.checked_mul(BASE - t)?;
            k += BASE;
        }
        let len = u32::try_from(output.len()).ok()? + 1;
        bias = adapt(i - old_i, len, old_i == 0);
        n = n.checked_add(i / len)?;
        i %= len;
        output.insert(usize::try_from(i).ok()?, char::from_u32(n)?);
        i += 1;
    }
    Some(output)
}

/// Whether a (lower-case) host label is acceptable: not an ACE label, or one that decodes.
pub fn label_ok(label: &str) -> bool {
    let Some(encoded) = label.strip_prefix("xn--") else { return true };
    match decode(encoded) {
        Some(chars) => {
            !chars.is_empty()
                && !chars.iter().all(char::is_ascii)
                && !chars.iter().any(|c| c.is_ascii_uppercase() || c.is_control())
        }
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_rfc_samples_and_refuses_garbage() {
        let text = |s: &str| decode(s).map(|c| c.into_iter().collect::<String>());
        assert_eq!(text("bcher-kva").as_deref(), Some("bücher"));
        assert_eq!(text("mnchen-3ya").as_deref(), Some("münchen"));
        assert_eq!(text("wgv71a119e").as_deref(), Some("日本語"));
        assert_eq!(text("zz"), None);
        assert_eq!(text("a-"), Some("a".into()));
        assert!(label_ok("example"));
        assert!(label_ok("xn--bcher-kva"));
        assert!(!label_ok("xn--zz"));
        assert!(!label_ok("xn--"));
        assert!(!label_ok("xn--abc-"), "decodes to ASCII only");
        assert!(!label_ok("xn--99999999999999"), "overflow");
    }
}
