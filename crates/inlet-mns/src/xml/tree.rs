//! A tiny element tree read with quick-xml.
//!
//! Why not serde: its deserializer trims text, which would change a `MessageBody` with leading or
//! trailing whitespace (and break the MD5 check). The tree keeps text byte-exact, ignores
//! namespaces (local names only, like every MNS SDK), and lets decoders pick elements by name in
//! any order while skipping unknown ones.

use quick_xml::Reader;
use quick_xml::escape::resolve_predefined_entity;
use quick_xml::events::{BytesRef, BytesStart, Event};

/// Far deeper than any MNS answer; the limit only guards against hostile input.
const MAX_DEPTH: usize = 16;

#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Node {
    pub name: String,
    pub text: String,
    pub children: Vec<Node>,
}

impl Node {
    /// The first child called `name`.
    pub fn child(&self, name: &str) -> Option<&Node> {
        self.children.iter().find(|c| c.name == name)
    }

    /// Every child called `name`, in document order.
    pub fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Node> + 'a {
        self.children.iter().filter(move |c| c.name == name)
    }

    /// Text of the first child called `name`, exactly as sent (unescaped, not trimmed).
    pub fn text_of(&self, name: &str) -> Option<&str> {
        self.child(name).map(|c| c.text.as_str())
    }

    /// A number from the first child called `name`, ignoring surrounding whitespace.
    pub fn number<T: std::str::FromStr>(&self, name: &str) -> Option<T> {
        self.text_of(name)?.trim().parse().ok()
    }
}

/// Parses a document into its root element.
pub(crate) fn parse(xml: &str) -> Result<Node, String> {
    let mut reader = Reader::from_str(xml);
    // Both are the defaults; stated because correctness of bodies and tag matching depends on them.
    reader.config_mut().trim_text(false);
    reader.config_mut().check_end_names = true;
    let mut stack: Vec<Node> = Vec::new();
    let mut root: Option<Node> = None;
    loop {
        let event = reader
            .read_event()
            .map_err(|e| format!("XML error at byte {}: {e}", reader.error_position()))?;
        match event {
            Event::Start(start) => {
                if stack.len() >= MAX_DEPTH {
                    return Err("XML nested too deeply".into());
                }
                stack.push(open(&start)?);
            }
            Event::Empty(start) => attach(&mut stack, &mut root, open(&start)?)?,
            Event::End(_) => {
                let done = stack.pop().ok_or("unexpected end tag")?;
                attach(&mut stack, &mut root, done)?;
            }
            Event::Text(text) => {
                // `decode`, not `xml10_content`: no end-of-line normalisation, so a body keeps the
                // exact characters the service hashed into MessageBodyMD5.
                let text = text.decode().map_err(|e| e.to_string())?;
                push_text(&mut stack, &text)?;
            }
            Event::CData(data) => {
                push_text(&mut stack, &data.decode().map_err(|e| e.to_string())?)?
            }
            Event::GeneralRef(reference) => push_text(&mut stack, &resolve(&reference)?)?,
            Event::Eof => break,
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) | Event::DocType(_) => {}
        }
    }
    if !stack.is_empty() {
        return Err("XML ended before all elements were closed".into());
    }
    root.ok_or_else(|| "no XML element in the answer".into())
}

fn open(start: &BytesStart<'_>) -> Result<Node, String> {
    let name = std::str::from_utf8(start.local_name().into_inner()).map_err(|e| e.to_string())?;
    Ok(Node {
        name: name.to_owned(),
        ..Node::default()
    })
}

fn attach(stack: &mut [Node], root: &mut Option<Node>, node: Node) -> Result<(), String> {
    match stack.last_mut() {
        Some(parent) => parent.children.push(node),
        None if root.is_none() => *root = Some(node),
        None => return Err("more than one root element".into()),
    }
    Ok(())
}

/// Text inside an element is kept; whitespace between the prolog and the root is not.
fn push_text(stack: &mut [Node], text: &str) -> Result<(), String> {
    match stack.last_mut() {
        Some(node) => node.text.push_str(text),
        None if text.trim().is_empty() => {}
        None => return Err("text outside the root element".into()),
    }
    Ok(())
}

/// `&lt;` and friends, and `&#...;` character references; nothing else is defined in MNS XML.
fn resolve(reference: &BytesRef<'_>) -> Result<String, String> {
    if let Some(c) = reference.resolve_char_ref().map_err(|e| e.to_string())? {
        return Ok(c.to_string());
    }
    let name = reference.decode().map_err(|e| e.to_string())?;
    resolve_predefined_entity(&name)
        .map(str::to_owned)
        .ok_or_else(|| format!("unknown XML entity &{name};"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_text_exact_and_ignores_namespaces() {
        let xml = "<?xml version=\"1.0\"?>\n<m:Message xmlns:m=\"http://mns.aliyuncs.com/doc/v1/\">\
                   <m:MessageBody>  a&amp;b&#x4e2d;&lt;\r\n </m:MessageBody><Empty/></m:Message>\n";
        let root = parse(xml).unwrap();
        assert_eq!(root.name, "Message");
        assert_eq!(root.text_of("MessageBody"), Some("  a&b中<\r\n "));
        assert_eq!(root.text_of("Empty"), Some(""));
    }

    #[test]
    fn cdata_and_numbers() {
        let root = parse("<A><B><![CDATA[<x>]]></B><N> 42\n</N></A>").unwrap();
        assert_eq!(root.text_of("B"), Some("<x>"));
        assert_eq!(root.number::<u32>("N"), Some(42));
        assert_eq!(root.number::<u32>("B"), None);
    }

    #[test]
    fn rejects_broken_documents() {
        for bad in [
            "",
            "<A>",
            "<A></B>",
            "<A/><B/>",
            "text",
            "<A>&bogus;</A>",
            "<A>&#0;</A>",
        ] {
            assert!(parse(bad).is_err(), "{bad:?}");
        }
        let deep = "<a>".repeat(MAX_DEPTH + 1) + &"</a>".repeat(MAX_DEPTH + 1);
        assert!(parse(&deep).is_err());
    }
}
