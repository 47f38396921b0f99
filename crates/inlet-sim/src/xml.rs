//! Just enough XML for MNS bodies: a tiny element tree for requests and escaping for responses.
//!
//! Why not serde: MNS decides single vs batch by the root element and must tolerate unknown
//! elements (newer SDKs send `UserProperties`, `MessageGroupId`, ...), which a tree walk does
//! naturally. Namespaces are ignored by local name, like every SDK decoder does.

use quick_xml::Reader;
use quick_xml::escape::{escape, resolve_predefined_entity};
use quick_xml::events::Event;

use crate::error::ApiError;

/// The namespace every MNS body carries.
pub const NS: &str = "http://mns.aliyuncs.com/doc/v1/";

/// One parsed element: local name, its own text (entities resolved) and child elements.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Element {
    pub name: String,
    pub text: String,
    pub children: Vec<Element>,
}

impl Element {
    pub fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name)
    }

    pub fn children_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> + 'a {
        self.children.iter().filter(move |c| c.name == name)
    }
}

/// Parses a request body. Anything that is not one well-formed element tree is `MalformedXML`.
pub fn parse(body: &[u8]) -> Result<Element, ApiError> {
    let text = std::str::from_utf8(body).map_err(|_| ApiError::malformed_xml())?;
    let mut reader = Reader::from_str(text);
    reader.config_mut().check_end_names = true;
    let mut stack: Vec<Element> = Vec::new();
    let mut root: Option<Element> = None;
    loop {
        let event = reader.read_event().map_err(|_| ApiError::malformed_xml())?;
        match event {
            Event::Start(e) => stack.push(Element {
                name: local(e.local_name().as_ref())?,
                ..Element::default()
            }),
            Event::Empty(e) => {
                let el = Element {
                    name: local(e.local_name().as_ref())?,
                    ..Element::default()
                };
                attach(&mut stack, &mut root, el)?;
            }
            Event::End(_) => {
                let el = stack.pop().ok_or_else(ApiError::malformed_xml)?;
                attach(&mut stack, &mut root, el)?;
            }
            Event::Text(t) => {
                let s = t.xml_content().map_err(|_| ApiError::malformed_xml())?;
                push_text(&mut stack, &s)?;
            }
            Event::CData(t) => {
                let s = t.xml_content().map_err(|_| ApiError::malformed_xml())?;
                push_text(&mut stack, &s)?;
            }
            Event::GeneralRef(r) => {
                let resolved = match r.resolve_char_ref() {
                    Ok(Some(c)) => c.to_string(),
                    Ok(None) => {
                        let name = r.decode().map_err(|_| ApiError::malformed_xml())?;
                        resolve_predefined_entity(&name)
                            .ok_or_else(ApiError::malformed_xml)?
                            .to_string()
                    }
                    Err(_) => return Err(ApiError::malformed_xml()),
                };
                push_text(&mut stack, &resolved)?;
            }
            // Entity declarations are never expanded; refuse documents that try.
            Event::DocType(_) => return Err(ApiError::malformed_xml()),
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) => {}
            Event::Eof => break,
        }
    }
    match (root, stack.is_empty()) {
        (Some(root), true) => Ok(root),
        _ => Err(ApiError::malformed_xml()),
    }
}

fn local(name: &[u8]) -> Result<String, ApiError> {
    String::from_utf8(name.to_vec()).map_err(|_| ApiError::malformed_xml())
}

fn attach(stack: &mut [Element], root: &mut Option<Element>, el: Element) -> Result<(), ApiError> {
    match stack.last_mut() {
        Some(parent) => parent.children.push(el),
        None if root.is_none() => *root = Some(el),
        None => return Err(ApiError::malformed_xml()),
    }
    Ok(())
}

fn push_text(stack: &mut [Element], s: &str) -> Result<(), ApiError> {
    match stack.last_mut() {
        Some(el) => el.text.push_str(s),
        // Whitespace around the root is fine; other text outside it is not XML.
        None if s.trim().is_empty() => {}
        None => return Err(ApiError::malformed_xml()),
    }
    Ok(())
}

/// Builds a response document: `<?xml ...?><Root xmlns="...">...</Root>`.
pub struct Writer {
    out: String,
    open: Vec<&'static str>,
}

impl Writer {
    pub fn new(root: &'static str) -> Self {
        let mut out = String::with_capacity(512);
        out.push_str(r#"<?xml version="1.0" encoding="UTF-8"?>"#);
        out.push('\n');
        out.push_str(&format!(r#"<{root} xmlns="{NS}">"#));
        Self {
            out,
            open: vec![root],
        }
    }

    /// Opens a nested element; close it with [`Writer::close`].
    pub fn open(&mut self, name: &'static str) -> &mut Self {
        self.out.push_str(&format!("<{name}>"));
        self.open.push(name);
        self
    }

    pub fn close(&mut self) -> &mut Self {
        if let Some(name) = self.open.pop() {
            self.out.push_str(&format!("</{name}>"));
        }
        self
    }

    /// A leaf element with escaped text.
    pub fn leaf(&mut self, name: &str, text: impl AsRef<str>) -> &mut Self {
        self.out
            .push_str(&format!("<{name}>{}</{name}>", escape(text.as_ref())));
        self
    }

    pub fn finish(mut self) -> String {
        while !self.open.is_empty() {
            self.close();
        }
        self.out
    }
}

/// True when every character may appear in an XML 1.0 document (so a stored body can always
/// be sent back inside `<MessageBody>`).
pub fn is_xml_text(s: &str) -> bool {
    s.chars().all(|c| {
        matches!(c, '\u{9}' | '\u{A}' | '\u{D}' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_python_sdk_body_with_entities() {
        let body = r#"<?xml version="1.0" encoding="utf-8"?><Message xmlns="http://mns.aliyuncs.com/doc/v1/"><MessageBody>{&quot;k&quot;:&quot;中文&quot;} &lt;&amp;&gt; &#65;</MessageBody></Message>"#;
        let root = parse(body.as_bytes()).unwrap();
        assert_eq!(root.name, "Message");
        assert_eq!(
            root.child("MessageBody").unwrap().text,
            r#"{"k":"中文"} <&> A"#
        );
    }

    #[test]
    fn batch_and_prefixed_names() {
        let body = "<m:Messages xmlns:m='x'>\n <m:Message><MessageBody>YQ==</MessageBody></m:Message>\n<Message><MessageBody/></Message></m:Messages>";
        let root = parse(body.as_bytes()).unwrap();
        assert_eq!(root.name, "Messages");
        let msgs: Vec<_> = root.children_named("Message").collect();
        assert_eq!(msgs.len(), 2);
        assert_eq!(msgs[0].child("MessageBody").unwrap().text, "YQ==");
        assert_eq!(msgs[1].child("MessageBody").unwrap().text, "");
    }

    #[test]
    fn rejects_broken_documents() {
        for bad in [
            "",
            "<a>",
            "<a></b>",
            "<a/><b/>",
            "text",
            "<a>&unknown;</a>",
            "<!DOCTYPE a><a/>",
        ] {
            assert_eq!(
                parse(bad.as_bytes()).unwrap_err().code,
                "MalformedXML",
                "{bad:?}"
            );
        }
        assert!(parse(&[0xff, 0xfe]).is_err());
    }

    #[test]
    fn writer_escapes_and_closes() {
        let mut w = Writer::new("Messages");
        w.open("Message").leaf("MessageBody", "<&\">");
        let xml = w.finish();
        assert!(xml.ends_with(
            r#"<Messages xmlns="http://mns.aliyuncs.com/doc/v1/"><Message><MessageBody>&lt;&amp;&quot;&gt;</MessageBody></Message></Messages>"#
        ));
        assert_eq!(
            parse(xml.as_bytes()).unwrap().children[0].children[0].text,
            "<&\">"
        );
    }

    #[test]
    fn xml_text_check() {
        assert!(is_xml_text("hello\n中文 😀"));
        assert!(!is_xml_text("a\u{1}b"));
        assert!(!is_xml_text("\u{FFFE}"));
    }
}
