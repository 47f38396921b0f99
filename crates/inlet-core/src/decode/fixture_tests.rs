//! One test per file in tests/fixtures/chatapp-mo: every documented type, both `Message` forms,
//! and the documentation's own defective samples.

use serde_json::json;

use super::*;

macro_rules! fixture {
    ($name:literal) => {
        include_bytes!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../tests/fixtures/chatapp-mo/",
            $name
        ))
    };
}

fn one(bytes: &[u8]) -> MoMessage {
    let mut msgs = decode_mo_json(bytes).expect("fixture decodes");
    assert_eq!(msgs.len(), 1);
    msgs.remove(0)
}

const OSS: &str = "https://whatsapp-prod-oss-bucket.oss-ap-southeast-1.aliyuncs.com/";

/// The envelope shared by the synthetic fixtures.
fn assert_envelope(m: &MoMessage, id: &str, msg_type: &str, ts: i64) {
    assert_eq!(m.message_id, id);
    assert_eq!(m.msg_type, msg_type);
    assert_eq!(m.timestamp_ms, Some(ts));
    assert_eq!(m.channel_id.as_deref(), Some("cams-83m8j9xxxxadc"));
    assert_eq!(m.waba_id.as_deref(), Some("952718630000233"));
    assert_eq!(m.to.as_deref(), Some("8613900000000"));
}

#[test]
fn text() {
    let m = one(fixture!("text.json"));
    assert_envelope(
        &m,
        "wamid.HBgNODYxMzgwMDAwMDAwMRUCABIYFjNFQjBGMDAwMDAwMDAwMDAwMDAwAA==",
        "TEXT",
        1_662_104_191_973,
    );
    assert_eq!(m.from, "8613800000001");
    assert_eq!(m.display_name.as_deref(), Some("Mr Liu"));
    assert_eq!(m.name.as_deref(), Some("jack"));
    assert_eq!(
        m.content,
        Content::Text {
            body: "hello,it's me 你好 👋".into()
        }
    );
    assert!(m.extra.is_empty());
}

#[test]
fn image_message_as_string() {
    let m = one(fixture!("image-message-as-string.json"));
    assert_envelope(&m, "1000000000000005", "IMAGE", 1_662_104_199_999);
    assert_eq!(
        m.content,
        Content::Image {
            caption: Some("receipt".into()),
            id: Some("1234567890".into()),
            mime_type: Some("image/jpeg".into()),
            url: Some(format!("{OSS}1234567890.jpg")),
        }
    );
    assert_eq!(m.content.preview(), "📷 Photo: receipt");
}

#[test]
fn image_no_caption_as_object() {
    let m = one(fixture!("image-no-caption-as-object.json"));
    assert_envelope(&m, "1000000000000015", "IMAGE", 1_662_104_200_100);
    assert_eq!(
        m.content,
        Content::Image {
            caption: None,
            id: Some("1234567891".into()),
            mime_type: Some("image/png".into()),
            url: Some(format!("{OSS}1234567891.png")),
        }
    );
}

#[test]
fn video() {
    let m = one(fixture!("video.json"));
    assert_envelope(&m, "1000000000000008", "VIDEO", 1_662_104_200_200);
    assert_eq!(
        m.content,
        Content::Video {
            name: Some("unboxing".into()),
            id: Some("5550001".into()),
            mime_type: Some("video/mp4".into()),
            url: Some(format!("{OSS}5550001.mp4")),
            filename: None,
        }
    );
}

#[test]
fn audio() {
    let m = one(fixture!("audio.json"));
    assert_envelope(&m, "1000000000000009", "AUDIO", 1_662_104_200_300);
    assert_eq!(
        m.content,
        Content::Audio {
            name: Some("voice note".into()),
            id: Some("3214520000075431".into()),
            mime_type: Some("audio/ogg; codecs=opus".into()),
            url: Some(format!("{OSS}116193153400019904.ogg")),
            filename: Some("File.ogg".into()),
        }
    );
}

#[test]
fn document() {
    let m = one(fixture!("document.json"));
    assert_envelope(&m, "1000000000000010", "DOCUMENT", 1_662_104_200_400);
    assert_eq!(
        m.content,
        Content::Document {
            name: Some("Invoice March".into()),
            id: Some("7770001".into()),
            filename: Some("invoice-2022-03.pdf".into()),
            mime_type: Some("application/pdf".into()),
            url: Some(format!("{OSS}7770001.pdf")),
        }
    );
}

#[test]
fn location_as_object() {
    let m = one(fixture!("location-as-object.json"));
    assert_envelope(&m, "1000000000000006", "LOCATION", 1_662_104_200_000);
    assert_eq!(
        m.content,
        Content::Location {
            name: Some("Office".into()),
            address: Some("969 West Wenyi Road, Hangzhou".into()),
            latitude: 30.2741,
            longitude: 120.1551,
        }
    );
}

#[test]
fn location_as_string() {
    let m = one(fixture!("location-as-string.json"));
    assert_envelope(&m, "1000000000000016", "LOCATION", 1_662_104_200_500);
    assert_eq!(
        m.content,
        Content::Location {
            name: Some("Meeting point".into()),
            address: Some("1 Raffles Place, Singapore".into()),
            latitude: 1.284,
            longitude: 103.851,
        }
    );
}

#[test]
fn reply() {
    let m = one(fixture!("reply.json"));
    assert_envelope(&m, "1000000000000007", "REPLY", 1_662_104_200_001);
    assert_eq!(
        m.content,
        Content::Reply {
            text: Some("Yes, confirm my booking".into()),
            payload: Some("booking_confirm_20220902".into()),
        }
    );
}

#[test]
fn system_number_changed() {
    let m = one(fixture!("system-number-changed.json"));
    assert_envelope(&m, "1000000000000011", "SYSTEM", 1_662_104_200_600);
    assert_eq!(
        m.content,
        Content::System {
            body: Some("Mr Liu changed from 8613800000001 to 8613800000002".into()),
            wa_id: Some("8613800000002".into()),
            kind: SystemKind::NumberChanged,
        }
    );
    assert_eq!(
        m.number_change(),
        Some(("8613800000001".into(), "8613800000002".into()))
    );
    assert!(m.content.is_notice());
}

#[test]
fn system_identity_changed() {
    let m = one(fixture!("system-identity-changed.json"));
    assert_envelope(&m, "1000000000000012", "SYSTEM", 1_662_104_200_700);
    assert_eq!(
        m.content,
        Content::System {
            body: Some("Mr Liu's security code changed".into()),
            wa_id: Some("8613800000001".into()),
            kind: SystemKind::IdentityChanged,
        }
    );
    assert_eq!(m.number_change(), None);
}

#[test]
fn contacts() {
    let m = one(fixture!("contacts.json"));
    assert_envelope(&m, "1000000000000013", "CONTACTS", 1_662_104_200_800);
    assert_eq!(
        m.content,
        Content::Contacts {
            cards: vec![ContactCard {
                name: Some("Ana Pereira".into()),
                phones: vec![ContactPhone {
                    phone: Some("+55 11 99999 0000".into()),
                    kind: Some("CELL".into()),
                    wa_id: Some("5511999990000".into()),
                }],
                emails: vec![],
                organization: None,
            }]
        }
    );
    assert!(m.content.search_text().contains("Ana Pereira"));
}

#[test]
fn unknown_type() {
    let m = one(fixture!("unknown-type.json"));
    assert_envelope(&m, "1000000000000014", "STICKER", 1_662_104_200_900);
    let url = format!("{OSS}9990001.webp");
    assert_eq!(
        m.content,
        Content::Unsupported {
            msg_type: "STICKER".into(),
            raw: json!({"id": "9990001", "mimeType": "image/webp", "url": url, "animated": false}),
            url: Some(url.clone()),
        }
    );
    let media = m.content.media().expect("unknown type with a url is media");
    assert_eq!((media.kind, media.url), (MediaKind::Other, url.as_str()));
}

#[test]
fn newer_optional_fields() {
    let m = one(fixture!("newer-optional-fields.json"));
    assert_envelope(&m, "1000000000000017", "TEXT", 1_662_104_201_000);
    assert_eq!(m.from_user_id.as_deref(), Some("BSUID.0001"));
    assert_eq!(m.from_parent_user_id.as_deref(), Some("BSUID.0000"));
    assert_eq!(m.from_user_name.as_deref(), Some("liu_shop"));
    assert_eq!(m.extra.get("NoticeType"), Some(&json!("inbound")));
    assert_eq!(m.extra.len(), 1);
}

#[test]
fn plus_prefixed_numbers() {
    let m = one(fixture!("plus-prefixed-numbers.json"));
    assert_envelope_plus(&m);
    assert_eq!(m.from, "+8613800000001");
    assert_eq!(normalize_phone(&m.from), "8613800000001");
}

fn assert_envelope_plus(m: &MoMessage) {
    assert_eq!(m.message_id, "1000000000000018");
    assert_eq!(m.to.as_deref(), Some("+8613900000000"));
    assert_eq!(
        m.content,
        Content::Text {
            body: "number with plus".into()
        }
    );
}

#[test]
fn rtl_arabic() {
    let m = one(fixture!("rtl-arabic.json"));
    assert_eq!(m.message_id, "1000000000000019");
    assert_eq!(m.from, "971500000001");
    assert_eq!(m.display_name.as_deref(), Some("سارة"));
    assert_eq!(
        m.content,
        Content::Text {
            body: "مرحبا، هل الطلب جاهز؟".into()
        }
    );
}

#[test]
fn doc_sample_text_batch() {
    let msgs = decode_mo_json(fixture!("doc-sample-text-batch.txt")).expect("recovered");
    assert_eq!(msgs.len(), 2);
    let ids: Vec<_> = msgs.iter().map(|m| m.message_id.as_str()).collect();
    assert_eq!(ids, ["1000000000000001", "1000000000000002"]);
    assert_eq!(msgs[0].from, "861388888****");
    assert_eq!(msgs[1].to.as_deref(), Some("86139123****"));
    assert_eq!(msgs[1].display_name.as_deref(), Some("Mr Wang"));
    assert!(
        msgs.iter()
            .all(|m| m.timestamp_ms == Some(1_662_104_191_973)
                && m.content
                    == Content::Text {
                        body: "hello,it's me".into()
                    }
                && m.waba_id.is_none()
                && m.channel_id.is_none())
    );
}

#[test]
fn doc_sample_audio_batch() {
    let msgs = decode_mo_json(fixture!("doc-sample-audio-batch.txt")).expect("recovered");
    assert_eq!(msgs.len(), 1);
    let m = &msgs[0];
    assert_eq!(m.message_id, "1000000000000003");
    // The key is `"Timestamp "` (trailing space) in the documentation.
    assert_eq!(m.timestamp_ms, Some(1_662_104_191_973));
    assert_eq!(m.from, "+861388888****");
    assert_eq!(m.waba_id.as_deref(), Some("95271863xxxx233"));
    assert_eq!(m.channel_id.as_deref(), Some("cams-83m8j9xxxxadc"));
    // The inner JSON spans raw newlines inside the outer string.
    assert_eq!(
        m.content,
        Content::Audio {
            name: None,
            id: Some("3214520xxxx75431".into()),
            mime_type: Some("audio/ogg".into()),
            url: Some(format!("{OSS}1161931534xxxx19904.ogg")),
            filename: Some("File.ogg".into()),
        }
    );
    assert_eq!(m.extra.get("NoticeType"), Some(&json!("inbound")));
    assert!(!m.extra.keys().any(|k| k.trim() == "Timestamp"));
}

#[test]
fn every_fixture_also_decodes_through_base64() {
    use base64::Engine as _;
    let all: [&[u8]; 3] = [
        fixture!("text.json"),
        fixture!("doc-sample-audio-batch.txt"),
        fixture!("contacts.json"),
    ];
    for bytes in all {
        let b64 = base64::engine::general_purpose::STANDARD.encode(bytes);
        assert_eq!(
            decode_message_body(b64.as_bytes()).unwrap(),
            decode_mo_json(bytes).unwrap()
        );
    }
}
