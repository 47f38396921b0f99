//! Web-Mercator ("slippy map") tile arithmetic: which tiles a location's map needs, and where the
//! marker sits on them.
//!
//! A map is a 2×2 block of 256-pixel tiles chosen so the point lies in the block's middle half
//! (never at an edge), at each of a few zoom levels. Only those tiles are ever fetched: the tile
//! server's usage policy forbids bulk downloads.

/// Pixels per tile side (the OpenStreetMap standard).
pub const TILE_SIZE: u32 = 256;
/// Tiles per block side.
pub const BLOCK: u32 = 2;
/// Web Mercator is undefined at the poles; the standard projection stops here.
const MAX_LATITUDE: f64 = 85.051_128_779_806_59;
/// The deepest zoom level tile servers commonly have.
pub const MAX_ZOOM: u8 = 19;

/// The tiles of one zoom level's map and the marker's place on them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Block {
    pub z: u8,
    /// The top-left tile (x already wrapped around the antimeridian).
    pub x0: u32,
    pub y0: u32,
    /// The point's position in pixels from the block's top-left corner.
    pub marker_x: f64,
    pub marker_y: f64,
}

impl Block {
    /// The block's tiles, row by row; x wraps around the antimeridian.
    pub fn tiles(&self) -> impl Iterator<Item = (u32, u32)> + '_ {
        let n = 1u64 << self.z;
        (0..BLOCK).flat_map(move |row| {
            (0..BLOCK).map(move |col| {
                let x = (u64::from(self.x0) + u64::from(col)) % n;
                (x as u32, self.y0 + row)
            })
        })
    }
}

/// The block around `(latitude, longitude)` at zoom `z`, or `None` for coordinates that are not
/// numbers or a zoom level without a 2×2 block (0) or deeper than [`MAX_ZOOM`].
pub fn block(latitude: f64, longitude: f64, z: u8) -> Option<Block> {
    if !latitude.is_finite() || !longitude.is_finite() || z == 0 || z > MAX_ZOOM {
        return None;
    }
    let n = f64::from(1u32 << z);
    let (fx, fy) = fractional_tile(latitude, longitude, n);
    // Start one tile to the left/up when the point is in the left/upper half of its tile, so it
    // ends up in the middle half of the block.
    let left = if fx.fract() < 0.5 {
        fx.floor() - 1.0
    } else {
        fx.floor()
    };
    let top = if fy.fract() < 0.5 {
        fy.floor() - 1.0
    } else {
        fy.floor()
    };
    // Rows do not wrap: keep the block inside the map.
    let top = top.clamp(0.0, n - f64::from(BLOCK));
    let tile = f64::from(TILE_SIZE);
    Some(Block {
        z,
        x0: left.rem_euclid(n) as u32,
        y0: top as u32,
        marker_x: (fx - left) * tile,
        marker_y: (fy - top) * tile,
    })
}

/// The point in tile units: `x` in `[0, n)`, `y` in `[0, n]`.
fn fractional_tile(latitude: f64, longitude: f64, n: f64) -> (f64, f64) {
    let lon = longitude.clamp(-180.0, 180.0);
    let lat = latitude.clamp(-MAX_LATITUDE, MAX_LATITUDE).to_radians();
    let x = ((lon + 180.0) / 360.0 * n).min(n - f64::EPSILON * n);
    let y = (1.0 - (lat.tan() + 1.0 / lat.cos()).ln() / std::f64::consts::PI) / 2.0 * n;
    (x, y.clamp(0.0, n))
}

/// Fills a tile server's URL template (`{z}`, `{x}`, `{y}`).
pub fn tile_url(template: &str, z: u8, x: u32, y: u32) -> String {
    template
        .replace("{z}", &z.to_string())
        .replace("{x}", &x.to_string())
        .replace("{y}", &y.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_tiles_match_the_openstreetmap_formula() {
        // Hangzhou office (fixture location-as-object.json): z 15 tile per the OSM wiki formula.
        let (fx, fy) = fractional_tile(30.2741, 120.1551, f64::from(1u32 << 15));
        assert_eq!((fx as u32, fy as u32), (27320, 13490));
        // The origin of the map.
        let (fx, fy) = fractional_tile(0.0, 0.0, 2.0);
        assert_eq!((fx, fy), (1.0, 1.0));
    }

    #[test]
    fn the_point_lies_in_the_middle_half_of_its_block() {
        let points = [
            (30.2741, 120.1551),
            (-33.8688, 151.2093),
            (51.5, -0.12),
            (0.0, 0.0),
            (64.1466, -21.9426),
        ];
        for (lat, lon) in points {
            for z in [3, 12, 15, 17, 19] {
                let b = block(lat, lon, z).unwrap();
                let quarter = f64::from(TILE_SIZE) / 2.0;
                let three_quarters = f64::from(TILE_SIZE * BLOCK) - quarter;
                for m in [b.marker_x, b.marker_y] {
                    assert!(
                        (quarter..=three_quarters).contains(&m),
                        "{lat},{lon} z{z}: marker {m} not in the middle"
                    );
                }
                assert_eq!(b.tiles().count(), 4);
            }
        }
    }

    #[test]
    fn blocks_wrap_at_the_antimeridian_and_stay_inside_at_the_poles() {
        let b = block(10.0, -179.99, 4).unwrap();
        let xs: Vec<u32> = b.tiles().map(|(x, _)| x).collect();
        assert_eq!(xs, vec![15, 0, 15, 0], "wraps to the other side");
        assert!(b.marker_x > 256.0 && b.marker_x < 512.0);

        let north = block(89.9, 10.0, 5).unwrap();
        assert_eq!(north.y0, 0);
        assert!(north.marker_y >= 0.0);
        let south = block(-89.9, 10.0, 5).unwrap();
        assert_eq!(south.y0, 30);
        assert!(south.marker_y <= 512.0);
    }

    #[test]
    fn nonsense_is_refused() {
        assert!(block(f64::NAN, 0.0, 10).is_none());
        assert!(block(0.0, f64::INFINITY, 10).is_none());
        assert!(block(0.0, 0.0, 0).is_none());
        assert!(block(0.0, 0.0, 25).is_none());
    }

    #[test]
    fn templates_are_filled() {
        assert_eq!(
            tile_url(
                "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
                15,
                27320,
                13490
            ),
            "https://tile.openstreetmap.org/15/27320/13490.png"
        );
    }
}
