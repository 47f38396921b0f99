//! One message as HTML. Every value from the store goes through [`escape_html`]; the only URLs
//! written are those of files this export copied (never a URL from a message).

use std::fmt::Write as _;

use super::assets::Assets;
use super::escape::escape_html as esc;
use crate::decode::{ContactCard, Content, MediaKind, SystemKind};
use crate::export::rows::{MediaRow, MessageRow};
use crate::media::MapView;
use crate::search::MessageKind;
use crate::store::MediaState;

/// A message's map, if its tiles are cached (the street-level view).
pub(crate) type Map = Option<MapView>;

pub(crate) fn message(m: &MessageRow, map: Map, assets: &mut Assets) -> String {
    let kind = MessageKind::of(&m.content);
    let mut out = format!(
        "<article class=\"msg kind-{}\" id=\"m{}\">\n",
        kind.as_str(),
        m.rowid
    );
    out.push_str(&meta(m));
    out.push_str(&body(m, map, assets));
    out.push_str("</article>\n");
    out
}

fn meta(m: &MessageRow) -> String {
    let who = m.display_name.as_deref().unwrap_or(&m.from);
    let mut s = format!(
        "<div class=\"meta\"><span class=\"who\">{}</span> <span class=\"from\">{}</span> \
         <time datetime=\"{}\">{}</time>",
        esc(who),
        esc(&m.from),
        iso_time(m.timestamp_ms),
        local_time(m.timestamp_ms),
    );
    if m.timestamp_estimated {
        s.push_str(" <span class=\"estimated\">(time of arrival; the message had none)</span>");
    }
    if m.duplicates > 0 {
        let _ = write!(
            s,
            " <span class=\"dups\">(delivered {} more times)</span>",
            m.duplicates
        );
    }
    s.push_str("</div>\n");
    s
}

fn body(m: &MessageRow, map: Map, assets: &mut Assets) -> String {
    let media = m.media.as_ref();
    match &m.content {
        Content::Text { body } => paragraph("text", body),
        Content::Image { caption, .. } => {
            let mut s = attachment(m, media, "📷 Photo", assets);
            s.push_str(&opt_paragraph("caption", caption.as_deref()));
            s
        }
        Content::Video { name, filename, .. } => {
            let mut s = attachment(m, media, "🎥 Video", assets);
            s.push_str(&opt_paragraph(
                "caption",
                name.as_deref().or(filename.as_deref()),
            ));
            s
        }
        Content::Audio { name, .. } => {
            let mut s = attachment(m, media, "🎤 Audio", assets);
            s.push_str(&opt_paragraph("caption", name.as_deref()));
            s
        }
        Content::Document { name, filename, .. } => {
            let mut s = attachment(m, media, "📄 Document", assets);
            if filename.is_some() && name.is_some() && name != filename {
                s.push_str(&opt_paragraph("caption", name.as_deref()));
            }
            s
        }
        Content::Location {
            name,
            address,
            latitude,
            longitude,
        } => location(
            name.as_deref(),
            address.as_deref(),
            *latitude,
            *longitude,
            map,
            assets,
        ),
        Content::Reply { text, payload } => {
            let mut s = format!(
                "<p class=\"reply\">↩️ Tapped the button <strong>{}</strong></p>\n",
                esc(text.as_deref().unwrap_or("(no caption)"))
            );
            if let Some(p) = payload {
                let _ = writeln!(s, "<p class=\"payload\">Button payload: {}</p>", esc(p));
            }
            s
        }
        Content::System { body, wa_id, kind } => {
            let what = match kind {
                SystemKind::NumberChanged => "Number changed",
                SystemKind::IdentityChanged => "Security code changed",
                SystemKind::Other(_) => "Notice",
            };
            let mut s = format!(
                "<p class=\"notice\">ℹ️ {}: {}</p>\n",
                what,
                esc(body.as_deref().unwrap_or(""))
            );
            if let Some(w) = wa_id {
                let _ = writeln!(s, "<p class=\"notice\">WhatsApp id: {}</p>", esc(w));
            }
            s
        }
        Content::Contacts { cards } => cards.iter().map(contact_card).collect(),
        Content::Unsupported { msg_type, raw, .. } => {
            let mut s = format!(
                "<p class=\"unsupported\">Unsupported message ({})</p>\n",
                esc(msg_type)
            );
            if media.is_some() {
                s.push_str(&attachment(m, media, "📎 Attachment", assets));
            }
            let pretty = serde_json::to_string_pretty(raw).unwrap_or_default();
            let _ = writeln!(s, "<pre>{}</pre>", esc(&pretty));
            s
        }
    }
}

fn paragraph(class: &str, text: &str) -> String {
    format!("<p class=\"{class}\">{}</p>\n", esc(text))
}

fn opt_paragraph(class: &str, text: Option<&str>) -> String {
    text.filter(|t| !t.trim().is_empty())
        .map(|t| paragraph(class, t))
        .unwrap_or_default()
}

/// The attachment itself when its file was copied, else a card saying where it stands.
fn attachment(
    m: &MessageRow,
    media: Option<&MediaRow>,
    label: &str,
    assets: &mut Assets,
) -> String {
    let Some(media) = media else {
        return format!(
            "<div class=\"card attachment\">{label} <span class=\"state\">(no download link \
             was sent)</span></div>\n"
        );
    };
    if let Some(file) = assets.copy_media(m, media) {
        // The link reads as the sender named the file; it points at the sanitised copy.
        let shown = media.filename.as_deref().filter(|f| !f.trim().is_empty());
        let (href, name) = (esc(&file.href), esc(shown.unwrap_or(&file.name)));
        return match media.kind {
            MediaKind::Image => format!(
                "<a href=\"{href}\"><img class=\"photo\" src=\"{href}\" alt=\"{label}\"></a>\n"
            ),
            MediaKind::Video => format!(
                "<video controls preload=\"metadata\" src=\"{href}\"></video>\n\
                 <p><a href=\"{href}\">{name}</a></p>\n"
            ),
            MediaKind::Audio => format!(
                "<audio controls preload=\"none\" src=\"{href}\"></audio>\n\
                 <p><a href=\"{href}\">{name}</a></p>\n"
            ),
            MediaKind::Document | MediaKind::Other => format!(
                "<div class=\"card file\">{label}: <a href=\"{href}\">{name}</a>{}</div>\n",
                size(media.bytes)
            ),
        };
    }
    let name = media
        .filename
        .as_deref()
        .map(|f| format!(" {}", esc(f)))
        .unwrap_or_default();
    format!(
        "<div class=\"card attachment state-{}\">{label}{name} — <span class=\"state\">{}</span>\
         <div class=\"url\">{}</div></div>\n",
        media.state.as_str(),
        state_text(media.state),
        esc(&media.url)
    )
}

fn state_text(state: MediaState) -> &'static str {
    match state {
        MediaState::Saved => "saved, but the file is missing from the media folder",
        MediaState::Queued | MediaState::Downloading => "not downloaded yet",
        MediaState::Retrying => "download failing, being retried",
        MediaState::Expired => "not saved: its link expired before it could be downloaded",
        MediaState::TooLarge => "not saved: larger than the size limit",
    }
}

fn size(bytes: Option<i64>) -> String {
    match bytes {
        Some(b) if b >= 1_000_000 => format!(" ({:.1} MB)", b as f64 / 1e6),
        Some(b) if b >= 1_000 => format!(" ({:.0} kB)", b as f64 / 1e3),
        Some(b) => format!(" ({b} bytes)"),
        None => String::new(),
    }
}

fn location(
    name: Option<&str>,
    address: Option<&str>,
    lat: f64,
    lon: f64,
    map: Map,
    assets: &mut Assets,
) -> String {
    let mut s = map.and_then(|v| map_svg(&v, assets)).unwrap_or_default();
    s.push_str("<div class=\"card location\">📍 ");
    match name {
        Some(n) => {
            let _ = write!(s, "<strong>{}</strong>", esc(n));
        }
        None => s.push_str("<strong>Location</strong>"),
    }
    if let Some(a) = address {
        let _ = write!(s, "<br>{}", esc(a));
    }
    let _ = writeln!(
        s,
        "<br><span class=\"coords\">{lat:.6}, {lon:.6}</span></div>"
    );
    s
}

/// The map as an SVG of tile images with a pin: positions are SVG attributes, not styles, so the
/// strict CSP (no inline styles) still allows it. `None` if a tile file is missing.
fn map_svg(view: &MapView, assets: &mut Assets) -> Option<String> {
    let t = view.tile_size;
    let (w, h) = (view.columns * t, view.rows * t);
    let mut s = format!(
        "<svg class=\"map\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {w} {h}\" \
         width=\"{w}\" height=\"{h}\" role=\"img\" aria-label=\"Map\">\n"
    );
    for (i, tile) in view.tiles.iter().enumerate() {
        let href = assets.copy_tile(tile.z, tile.x, tile.y, &tile.path)?;
        let (col, row) = (
            i as u32 % view.columns.max(1),
            i as u32 / view.columns.max(1),
        );
        let _ = writeln!(
            s,
            "<image href=\"{}\" x=\"{}\" y=\"{}\" width=\"{t}\" height=\"{t}\"/>",
            esc(&href),
            col * t,
            row * t
        );
    }
    let _ = writeln!(
        s,
        "<circle class=\"pin\" cx=\"{:.1}\" cy=\"{:.1}\" r=\"9\"/>\n</svg>\n\
         <div class=\"attribution\">{}</div>",
        view.marker_x,
        view.marker_y,
        esc(crate::media::OSM_ATTRIBUTION)
    );
    Some(s)
}

fn contact_card(c: &ContactCard) -> String {
    let mut s = format!(
        "<div class=\"card contact\">👤 <strong>{}</strong>",
        esc(c.name.as_deref().unwrap_or("(no name)"))
    );
    if let Some(org) = &c.organization {
        let _ = write!(s, "<br>{}", esc(org));
    }
    for p in &c.phones {
        let kind = p.kind.as_deref().map(|k| format!(" ({})", esc(k)));
        let _ = write!(
            s,
            "<br>📞 {}{}",
            esc(p.phone.as_deref().or(p.wa_id.as_deref()).unwrap_or("")),
            kind.unwrap_or_default()
        );
    }
    for e in &c.emails {
        let _ = write!(s, "<br>✉️ {}", esc(e));
    }
    s.push_str("</div>\n");
    s
}

pub(crate) fn iso_time(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string())
        .unwrap_or_default()
}

/// The exporting computer's local time, with its UTC offset so the page is unambiguous.
pub(crate) fn local_time(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| {
            t.with_timezone(&chrono::Local)
                .format("%Y-%m-%d %H:%M (UTC%:z)")
                .to_string()
        })
        .unwrap_or_default()
}
