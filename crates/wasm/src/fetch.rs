//! The web transport: the global `fetch`, with an `AbortController` + `setTimeout` timeout that
//! covers the response body too, `redirect: "manual"` (redirects are never followed; browsers
//! report them as an opaque redirect, treated as a 3xx), and a capped body snippet. The body is
//! read to the end so the runtime can reuse the connection.
//!
//! URL safety on the web: the runtime resolves and connects, so only URL / hostname / IP-literal
//! checks are possible before `fetch` (the URL policy returns `TransportError::Blocked`).

use std::cell::Cell;
use std::rc::Rc;

use js_sys::{Object, Reflect, Uint8Array};
use runwire_core::delivery::dlq::SNIPPET_CAP;
use runwire_core::runtime::{HttpRequest, HttpResponse, Transport, TransportError};
use wasm_bindgen::prelude::{wasm_bindgen, Closure};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_name = fetch)]
    fn global_fetch(url: &str, init: &Object) -> js_sys::Promise;
    #[wasm_bindgen(js_name = setTimeout)]
    fn set_timeout(handler: &JsValue, ms: f64) -> JsValue;
    #[wasm_bindgen(js_name = clearTimeout)]
    fn clear_timeout(id: &JsValue);

    type AbortController;
    #[wasm_bindgen(constructor)]
    fn new() -> AbortController;
    #[wasm_bindgen(method, getter)]
    fn signal(this: &AbortController) -> JsValue;
    #[wasm_bindgen(method)]
    fn abort(this: &AbortController);

    type Response;
    #[wasm_bindgen(method, getter)]
    fn status(this: &Response) -> u16;
    #[wasm_bindgen(method, getter, js_name = type)]
    fn kind(this: &Response) -> String;
    #[wasm_bindgen(method, getter)]
    fn headers(this: &Response) -> ResponseHeaders;
    #[wasm_bindgen(method, js_name = arrayBuffer)]
    fn array_buffer(this: &Response) -> js_sys::Promise;

    type ResponseHeaders;
    #[wasm_bindgen(method)]
    fn get(this: &ResponseHeaders, name: &str) -> Option<String>;
}

/// `fetch` as a [`Transport`].
#[derive(Debug, Clone, Copy, Default)]
pub struct FetchTransport;

fn set(target: &Object, key: &str, value: &JsValue) {
    // Setting a property on a fresh plain object cannot fail.
    let _ = Reflect::set(target, &JsValue::from_str(key), value);
}

fn describe(error: &JsValue) -> String {
    let message = Reflect::get(error, &JsValue::from_str("message")).ok().and_then(|m| m.as_string());
    let cause = Reflect::get(error, &JsValue::from_str("cause"))
        .ok()
        .and_then(|c| Reflect::get(&c, &JsValue::from_str("code")).ok())
        .and_then(|c| c.as_string());
    match (message, cause) {
        (Some(m), Some(c)) => format!("{m} ({c})"),
        (Some(m), None) => m,
        _ => "fetch failed".to_owned(),
    }
}

impl Transport for FetchTransport {
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, TransportError> {
        let controller = AbortController::new();
        let timed_out = Rc::new(Cell::new(false));
        let on_timeout = {
            let flag = timed_out.clone();
            let target: JsValue = controller.unchecked_ref::<JsValue>().clone();
            Closure::once_into_js(move || {
                flag.set(true);
                target.unchecked_into::<AbortController>().abort();
            })
        };
        let timer = set_timeout(&on_timeout, request.timeout.as_secs_f64() * 1000.0);

        let headers = Object::new();
        for (name, value) in &request.headers {
            set(&headers, name, &JsValue::from_str(value));
        }
        let init = Object::new();
        set(&init, "method", &JsValue::from_str("POST"));
        set(&init, "headers", &headers);
        set(&init, "body", &Uint8Array::from(&request.body[..]));
        set(&init, "redirect", &JsValue::from_str("manual"));
        set(&init, "signal", &controller.signal());

        let result = async {
            let response: Response = JsFuture::from(global_fetch(&request.url, &init)).await?.unchecked_into();
            let status = if response.kind() == "opaqueredirect" { 302 } else { response.status() };
            let retry_after = response.headers().get("retry-after");
            let body = JsFuture::from(response.array_buffer()).await?;
            let bytes = Uint8Array::new(&body);
            let take = bytes.length().min(u32::try_from(SNIPPET_CAP).unwrap_or(u32::MAX));
            let snippet = bytes.subarray(0, take).to_vec();
            Ok::<_, JsValue>((status, retry_after, snippet))
        }
        .await;
        clear_timeout(&timer);
        match result {
            Ok((status, retry_after, snippet)) => Ok(HttpResponse {
                status,
                headers: retry_after.map(|v| vec![("retry-after".to_owned(), v)]).unwrap_or_default(),
                body_snippet: snippet,
            }),
            Err(_) if timed_out.get() => Err(TransportError::Timeout),
            Err(error) => Err(TransportError::Network(describe(&error))),
        }
    }
}
