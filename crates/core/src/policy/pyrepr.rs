//! Python `repr()` of JSON values and string lists.
//!
//! LangGraph's configuration errors embed Python reprs (`Got: ['']`, `Got: 5`). To keep those
//! messages byte-identical, runwire renders values the way CPython does: `None`/`True`/`False`,
//! strings in single quotes unless they contain a single quote and no double quote, `\\`, `\n`,
//! `\r`, `\t` and control characters escaped, `[a, b]` and `{'k': v}` with `, ` and `: `.

use serde_json::Value;

/// `repr(s)` for a Python `str`.
pub fn str_repr(s: &str) -> String {
    let quote = if s.contains('\'') && !s.contains('"') { '"' } else { '\'' };
    let mut out = String::with_capacity(s.len() + 2);
    out.push(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if (c as u32) < 0x20 || c as u32 == 0x7f => out.push_str(&format!("\\x{:02x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push(quote);
    out
}

/// `repr(list_of_str)`.
pub fn str_list(items: &[String]) -> String {
    let parts: Vec<String> = items.iter().map(|s| str_repr(s)).collect();
    format!("[{}]", parts.join(", "))
}

/// `repr(value)` for a value parsed from JSON.
pub fn value_repr(value: &Value) -> String {
    match value {
        Value::Null => "None".to_owned(),
        Value::Bool(true) => "True".to_owned(),
        Value::Bool(false) => "False".to_owned(),
        // serde_json prints floats with ryu (`5.0`, `1.5`), as Python's repr does for these;
        // core's `{:.1}` float formatting would add ~20 KB to the web build.
        Value::Number(n) => n.to_string(),
        Value::String(s) => str_repr(s),
        Value::Array(items) => format!("[{}]", items.iter().map(value_repr).collect::<Vec<_>>().join(", ")),
        Value::Object(map) => {
            let parts: Vec<String> = map.iter().map(|(k, v)| format!("{}: {}", str_repr(k), value_repr(v))).collect();
            format!("{{{}}}", parts.join(", "))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_cpython() {
        assert_eq!(str_list(&[String::new()]), "['']");
        assert_eq!(str_list(&["foo.*.com".into(), "a.com".into()]), "['foo.*.com', 'a.com']");
        assert_eq!(str_repr("it's"), "\"it's\"");
        assert_eq!(str_repr("a'\"b"), "'a\\'\"b'");
        assert_eq!(str_repr("x\ny\\"), "'x\\ny\\\\'");
        assert_eq!(value_repr(&serde_json::json!(5)), "5");
        assert_eq!(value_repr(&serde_json::json!(1.5)), "1.5");
        assert_eq!(value_repr(&serde_json::json!(null)), "None");
        assert_eq!(value_repr(&serde_json::json!([true, "a"])), "[True, 'a']");
        assert_eq!(value_repr(&serde_json::json!({"k": false})), "{'k': False}");
    }
}
