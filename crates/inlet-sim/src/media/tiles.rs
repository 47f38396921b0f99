//! A stand-in map tile server: `GET /tiles/{z}/{x}/{y}.png` answers a generated 256×256 PNG,
//! so the media keeper's map caching is tested (and demonstrated) without reaching
//! OpenStreetMap. Each tile is drawn from its coordinates (a colour per tile, a grid, a border),
//! so neighbouring tiles are visibly different and the same tile is always the same bytes.
//!
//! Requests are counted per tile in [`MediaHost::hits`] under the id `tile/{z}/{x}/{y}`.

use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::MediaHost;

/// Pixels per side, as on OpenStreetMap.
const SIZE: u32 = 256;
/// The deepest zoom served.
const MAX_ZOOM: u32 = 19;

/// The id under which requests for a tile are counted.
pub fn tile_hit_id(z: u32, x: u32, y: u32) -> String {
    format!("tile/{z}/{x}/{y}")
}

pub(super) async fn handle(
    State(host): State<MediaHost>,
    Path((z, x, y_png)): Path<(String, String, String)>,
) -> Response {
    let Some((z, x, y)) = parse(&z, &x, &y_png) else {
        return (StatusCode::NOT_FOUND, "no such tile\n").into_response();
    };
    host.record_hit(&tile_hit_id(z, x, y));
    match render(z, x, y) {
        Ok(png) => {
            let mut response = png.into_response();
            let headers = response.headers_mut();
            headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("image/png"));
            headers.insert(
                header::CACHE_CONTROL,
                HeaderValue::from_static("max-age=604800"),
            );
            response
        }
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, format!("{e}\n")).into_response(),
    }
}

/// `z`, `x` and `y` from the path, if they name a tile that exists at that zoom.
fn parse(z: &str, x: &str, y_png: &str) -> Option<(u32, u32, u32)> {
    let z: u32 = z.parse().ok().filter(|z| *z <= MAX_ZOOM)?;
    let x: u32 = x.parse().ok()?;
    let y: u32 = y_png.strip_suffix(".png")?.parse().ok()?;
    let n = 1u32 << z;
    (x < n && y < n).then_some((z, x, y))
}

/// The tile's picture as PNG bytes.
pub fn render(z: u32, x: u32, y: u32) -> Result<Vec<u8>, png::EncodingError> {
    let base = colour(z, x, y);
    let mut pixels = Vec::with_capacity((SIZE * SIZE * 3) as usize);
    for row in 0..SIZE {
        for col in 0..SIZE {
            let edge = row == 0 || col == 0 || row == SIZE - 1 || col == SIZE - 1;
            let grid = row % 32 == 0 || col % 32 == 0;
            let rgb = if edge {
                [60, 60, 60]
            } else if grid {
                base.map(|c| c.saturating_add(40))
            } else {
                base
            };
            pixels.extend_from_slice(&rgb);
        }
    }
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, SIZE, SIZE);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header()?;
    writer.write_image_data(&pixels)?;
    writer.finish()?;
    Ok(out)
}

/// A muted map-like colour that differs between neighbouring tiles.
fn colour(z: u32, x: u32, y: u32) -> [u8; 3] {
    let h = z
        .wrapping_mul(0x9E37_79B9)
        .wrapping_add(x.wrapping_mul(0x85EB_CA6B))
        .wrapping_add(y.wrapping_mul(0xC2B2_AE35));
    let h = (h ^ (h >> 15)).wrapping_mul(0x2C1B_3C6D);
    [
        150 + (h & 0x3F) as u8,
        170 + ((h >> 8) & 0x3F) as u8,
        140 + ((h >> 16) & 0x3F) as u8,
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_name_existing_tiles_only() {
        assert_eq!(parse("15", "27320", "13490.png"), Some((15, 27320, 13490)));
        assert_eq!(parse("0", "0", "0.png"), Some((0, 0, 0)));
        assert_eq!(parse("1", "2", "0.png"), None, "x beyond the map");
        assert_eq!(parse("20", "0", "0.png"), None, "too deep");
        assert_eq!(parse("3", "1", "1.jpg"), None);
        assert_eq!(parse("3", "-1", "1.png"), None);
    }

    #[test]
    fn tiles_are_real_pngs_and_differ_between_neighbours() {
        let a = render(15, 27320, 13490).unwrap();
        assert!(a.starts_with(b"\x89PNG\r\n\x1a\n"));
        assert_eq!(
            a,
            render(15, 27320, 13490).unwrap(),
            "the same tile is the same bytes"
        );
        assert_ne!(a, render(15, 27321, 13490).unwrap());
        let decoder = png::Decoder::new(std::io::Cursor::new(a));
        let reader = decoder.read_info().unwrap();
        assert_eq!((reader.info().width, reader.info().height), (SIZE, SIZE));
    }
}
