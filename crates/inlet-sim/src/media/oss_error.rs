//! OSS-style XML error responses (`<Error><Code>…</Code><Message>…</Message>…</Error>`).

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use quick_xml::escape::escape;

/// Host named in `<HostId>`, as OSS names the bucket endpoint.
const HOST_ID: &str = "whatsapp-prod-oss-bucket.oss-ap-southeast-1.aliyuncs.com";

/// One OSS error: status, `Code`, `Message` and any extra elements OSS adds for that code.
pub(super) struct OssError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub extra: Vec<(&'static str, String)>,
}

impl OssError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            extra: Vec::new(),
        }
    }

    pub fn with(mut self, element: &'static str, value: impl Into<String>) -> Self {
        self.extra.push((element, value.into()));
        self
    }

    /// The response, tagged with `request_id` in the body and the `x-oss-request-id` header.
    pub fn into_response(self, request_id: &str) -> Response {
        let mut xml = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error>\n");
        push(&mut xml, "Code", self.code);
        push(&mut xml, "Message", &self.message);
        push(&mut xml, "RequestId", request_id);
        push(&mut xml, "HostId", HOST_ID);
        for (element, value) in &self.extra {
            push(&mut xml, element, value);
        }
        xml.push_str("</Error>\n");
        let mut response = (self.status, xml).into_response();
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/xml"),
        );
        if let Ok(value) = HeaderValue::from_str(request_id) {
            headers.insert("x-oss-request-id", value);
        }
        response
    }
}

fn push(xml: &mut String, element: &str, value: &str) {
    xml.push_str(&format!("  <{element}>{}</{element}>\n", escape(value)));
}
