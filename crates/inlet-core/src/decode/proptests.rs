//! The decoder must never panic on outside data, whatever the bytes.

use proptest::prelude::*;

use super::*;

/// Strings built from JSON's own punctuation and the envelope's keys, so the generator reaches
/// deep into the parser and the envelope code rather than failing at the first byte.
fn jsonish() -> impl Strategy<Value = String> {
    let token = prop_oneof![
        Just("{".to_string()),
        Just("}".to_string()),
        Just("[".to_string()),
        Just("]".to_string()),
        Just(",".to_string()),
        Just(":".to_string()),
        Just("\"".to_string()),
        Just("\\".to_string()),
        Just("\n".to_string()),
        Just("\"MessageId\":".to_string()),
        Just("\"From\":\"+86 1\",".to_string()),
        Just("\"Type\":".to_string()),
        Just("\"Message\":".to_string()),
        Just("\"Timestamp \":".to_string()),
        Just("\"IMAGE\"".to_string()),
        Just("\"LOCATION\"".to_string()),
        Just("\"CONTACTS\"".to_string()),
        Just("\"SYSTEM\"".to_string()),
        Just("\"url\":\"https://h/x\"".to_string()),
        Just("\"latitude\":".to_string()),
        Just("1e999".to_string()),
        Just("-9223372036854775809".to_string()),
        Just("null".to_string()),
        "[a-z0-9 .*+-]{0,8}".prop_map(|s| s),
        any::<char>().prop_map(|c| c.to_string()),
    ];
    prop::collection::vec(token, 0..60).prop_map(|t| t.concat())
}

/// Well-formed envelopes whose `Message` is arbitrary JSON, to exercise every content decoder.
fn envelope() -> impl Strategy<Value = Vec<u8>> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        // Quarter steps are exact in decimal, so the round-trip check below is exact too.
        any::<i32>().prop_map(|i| serde_json::Value::from(f64::from(i) / 4.0)),
        any::<i64>().prop_map(serde_json::Value::from),
        jsonish().prop_map(serde_json::Value::from),
    ];
    let payload = leaf.prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(serde_json::Value::from),
            prop::collection::btree_map(
                prop_oneof![
                    Just("url".to_string()),
                    Just("latitude".to_string()),
                    Just("longitude".to_string()),
                    Just("phones".to_string()),
                    Just("name".to_string()),
                    Just("contacts".to_string()),
                    Just("type".to_string()),
                    "[a-zA-Z_ ]{0,6}",
                ],
                inner,
                0..6
            )
            .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
        ]
    });
    let types = prop_oneof![
        Just("TEXT"),
        Just("IMAGE"),
        Just("VIDEO"),
        Just("AUDIO"),
        Just("DOCUMENT"),
        Just("LOCATION"),
        Just("REPLY"),
        Just("SYSTEM"),
        Just("CONTACTS"),
        Just("STICKER"),
    ];
    (types, payload, any::<bool>()).prop_map(|(t, payload, as_string)| {
        let message = if as_string {
            serde_json::Value::String(payload.to_string())
        } else {
            payload
        };
        let body =
            serde_json::json!({"MessageId": "1", "From": "1", "Type": t, "Message": message});
        serde_json::to_vec(&body).unwrap_or_default()
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        let _ = decode_message_body(&bytes);
        let _ = decode_mo_json(&bytes);
    }

    #[test]
    fn jsonish_text_never_panics(s in jsonish()) {
        let _ = decode_message_body(s.as_bytes());
        let _ = decode_mo_json(s.as_bytes());
    }

    #[test]
    fn every_envelope_decodes_and_round_trips(body in envelope()) {
        let msgs = decode_mo_json(&body).expect("a well-formed envelope always decodes");
        prop_assert_eq!(msgs.len(), 1);
        let m = &msgs[0];
        // Derived views must not panic either.
        let _ = (m.content.preview(), m.content.search_text(), m.content.media(), m.number_change());
        // What the store writes must read back (NaN cannot occur: coordinates are finite).
        let json = serde_json::to_string(&m.content).expect("content serialises");
        let back: Content = serde_json::from_str(&json).expect("content deserialises");
        prop_assert_eq!(&back, &m.content);
    }
}
