//! Map tiles for LOCATION messages, from the simulator's tile server over real HTTP: fetched once,
//! cached, and served from the cache when the tile server is gone.

mod media_support;

use std::collections::HashSet;

use inlet_core::media::{KeeperReport, MapState, TileConfig, location_map, location_tiles};
use inlet_sim::media::tiles::tile_hit_id;
use media_support::{Harness, PATIENCE, start_sim};
use serde_json::json;

fn hangzhou() -> serde_json::Value {
    json!({"latitude": "30.2741", "longitude": "120.1551", "name": "Office"})
}

fn tiles_from(endpoint: &str) -> TileConfig {
    let mut config = TileConfig::custom(
        format!("{endpoint}/tiles/{{z}}/{{x}}/{{y}}.png"),
        "test tiles",
    );
    config.max_attempts = 2;
    config
}

async fn settle_with(h: &Harness, tiles: Option<TileConfig>) -> KeeperReport {
    let mut options = h.options();
    options.tile_server = tiles;
    let (keeper, _rx) = h.keeper(options);
    tokio::time::timeout(
        PATIENCE,
        keeper.run_until_settled(h.cancel.clone(), h.wakeup.clone()),
    )
    .await
    .expect("settles in time")
    .expect("the keeper runs")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tiles_are_fetched_once_and_served_from_the_cache_with_the_server_stopped() {
    let h = Harness::new().await;
    let tile_server = start_sim().await;
    let config = tiles_from(&tile_server.endpoint());
    let first = h.ingest("LOCATION", hangzhou());

    let report = settle_with(&h, Some(config.clone())).await;
    assert_eq!(
        (report.maps_saved, report.tiles_fetched),
        (1, 12),
        "3 zoom levels × 2×2 tiles"
    );
    let map = location_map(&*h.store.lock().unwrap(), first)
        .unwrap()
        .unwrap();
    assert_eq!(map.state, MapState::Saved);
    assert!(map.has_tiles());
    let zooms: Vec<u8> = map.views.iter().map(|v| v.z).collect();
    assert_eq!(
        zooms.iter().copied().collect::<HashSet<_>>(),
        HashSet::from([12, 15, 17])
    );
    for view in &map.views {
        assert_eq!((view.columns, view.rows, view.tiles.len()), (2, 2, 4));
        let side = f64::from(view.tile_size * 2);
        assert!(view.marker_x > side / 4.0 && view.marker_x < side * 3.0 / 4.0);
        assert!(view.marker_y > side / 4.0 && view.marker_y < side * 3.0 / 4.0);
        for tile in &view.tiles {
            let png = std::fs::read(&tile.path).unwrap();
            assert!(png.starts_with(b"\x89PNG"), "{}", tile.path);
            assert!(
                tile.path
                    .ends_with(&format!("tiles/{}/{}/{}.png", tile.z, tile.x, tile.y)),
                "{}",
                tile.path
            );
            let hits = tile_server
                .media()
                .hits(&tile_hit_id(u32::from(tile.z), tile.x, tile.y));
            assert_eq!(hits, 1, "each tile is fetched exactly once");
        }
    }
    assert_eq!(
        location_tiles(&*h.store.lock().unwrap(), first)
            .unwrap()
            .len(),
        12
    );

    // The tile server goes away; another message at the same place still gets its map.
    tile_server.shutdown().await;
    let second = h.ingest("LOCATION", hangzhou());
    let report = settle_with(&h, Some(config)).await;
    assert_eq!(
        (report.maps_saved, report.tiles_fetched),
        (1, 0),
        "all from the cache"
    );
    let again = location_map(&*h.store.lock().unwrap(), second)
        .unwrap()
        .unwrap();
    assert_eq!(again.state, MapState::Saved);
    assert_eq!(again.views, map.views, "the same tiles, the same marker");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_tile_server_a_location_has_no_tiles() {
    let h = Harness::new().await;
    let rowid = h.ingest("LOCATION", hangzhou());
    let report = settle_with(&h, None).await;
    assert_eq!(report, KeeperReport::default());
    let map = location_map(&*h.store.lock().unwrap(), rowid)
        .unwrap()
        .unwrap();
    assert_eq!((map.latitude, map.longitude), (30.2741, 120.1551));
    assert_eq!(map.state, MapState::Queued);
    assert!(!map.has_tiles(), "the UI shows a card");
}

/// A port nobody listens on any more.
fn dead_endpoint() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let endpoint = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    endpoint
}

fn map_state(h: &Harness, rowid: i64) -> MapState {
    location_map(&*h.store.lock().unwrap(), rowid)
        .unwrap()
        .unwrap()
        .state
}

/// Runs a keeper with `tiles` until the map of `rowid` has failed for good.
async fn run_until_failed(h: &Harness, tiles: TileConfig, rowid: i64) {
    let mut options = h.options();
    options.tile_server = Some(tiles);
    let (task, _rx) = h.run(options);
    h.wait_until("the map to fail", |h| {
        map_state(h, rowid) == MapState::Failed
    })
    .await;
    h.cancel.cancel();
    task.await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_tile_server_is_given_up_after_a_few_tries() {
    let h = Harness::new().await;
    let rowid = h.ingest("LOCATION", hangzhou());
    run_until_failed(&h, tiles_from(&dead_endpoint()), rowid).await;
    let store = h.store.lock().unwrap();
    let map = location_map(&*store, rowid).unwrap().unwrap();
    assert!(!map.has_tiles(), "the UI shows a card");
    let status = inlet_core::media::media_status(&*store, 0, 1).unwrap();
    assert_eq!((status.maps.failed, status.maps.tiles_cached), (1, 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn settling_does_not_wait_for_a_map_to_be_retried() {
    let h = Harness::new().await;
    let rowid = h.ingest("LOCATION", hangzhou());
    let mut options = h.options();
    options.tile_server = Some(tiles_from(&dead_endpoint()));
    options.backoff.initial = std::time::Duration::from_secs(3600);
    options.backoff.max = std::time::Duration::from_secs(3600);
    let (keeper, _rx) = h.keeper(options);
    let report = tokio::time::timeout(
        PATIENCE,
        keeper.run_until_settled(h.cancel.clone(), h.wakeup.clone()),
    )
    .await
    .expect("settles without waiting an hour")
    .unwrap();
    assert_eq!((report.maps_saved, report.maps_failed), (0, 0));
    assert_eq!(
        map_state(&h, rowid),
        MapState::Retrying,
        "left for the next run"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tile_server_answering_with_something_else_than_images_is_refused() {
    let h = Harness::new().await;
    // A "tile server" whose every tile is an HTML page sent as image/png (think captive portal):
    // one media-host file, with the tile coordinates as ignored query parameters.
    let page = h.sim.media().put(
        b"<html>log in first</html>".to_vec(),
        "image/png",
        "tile.png",
        media_support::DAY,
        inlet_sim::media::Behaviour::Normal,
    );
    let mut config = tiles_from(&h.sim.endpoint());
    config.url_template = format!("{page}&z={{z}}&x={{x}}&y={{y}}");
    let rowid = h.ingest("LOCATION", hangzhou());
    run_until_failed(&h, config, rowid).await;
    let store = h.store.lock().unwrap();
    assert!(!location_map(&*store, rowid).unwrap().unwrap().has_tiles());
    let status = inlet_core::media::media_status(&*store, 0, 1).unwrap();
    assert_eq!(
        status.maps.tiles_cached, 0,
        "nothing that is not an image is cached"
    );
    let id = inlet_sim::MediaHost::id_in_url(&page).unwrap();
    assert_eq!(
        h.sim.media().hits(&id),
        2,
        "one request per try, then given up"
    );
}
