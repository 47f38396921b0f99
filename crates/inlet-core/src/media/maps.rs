//! Map tiles for LOCATION messages: the few tiles around each point, fetched once, one at a
//! time, and cached for good so the map shows offline.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use super::download::{self, Failure, Limits};
use super::keeper::Inner;
use super::{TileConfig, files, tiles};
use crate::store::media_jobs::{self, MapJob, MapState};

/// Longest one tile may take.
const TILE_ATTEMPT: Duration = Duration::from_secs(60);

impl Inner {
    /// Makes sure every tile of `job`'s map is cached, and records the outcome.
    pub(super) async fn process_map(self: Arc<Self>, job: MapJob) {
        let Some(config) = self.options.tile_server.clone() else {
            return;
        };
        let outcome = self.fetch_map(&job, &config).await;
        let now = self.now();
        let attempts = job.attempts.saturating_add(1);
        let (state, error, next) = match &outcome {
            Ok(()) => (MapState::Saved, None, now),
            Err(e) if attempts >= config.max_attempts => (MapState::Failed, Some(e.clone()), now),
            Err(e) => (
                MapState::Retrying,
                Some(e.clone()),
                now.saturating_add(self.retry_delay_ms(attempts)),
            ),
        };
        let rowid = job.message_rowid;
        let recorded = self
            .bookkeeping(move |conn| {
                media_jobs::finish_map(conn, rowid, state, error.as_deref(), next, now)
            })
            .await;
        if let Err(e) = recorded {
            tracing::error!(message_rowid = rowid, error = %e, "could not record a map's outcome");
        }
        match state {
            MapState::Saved => self.count(|r| r.maps_saved += 1),
            MapState::Failed => self.count(|r| r.maps_failed += 1),
            _ => {}
        }
        if let Err(e) = outcome {
            tracing::info!(message_rowid = rowid, state = state.as_str(), error = %e, "map tiles not fetched");
        }
    }

    /// Every tile at every configured zoom; stops at the first failure (a server that is down
    /// is not asked twelve times).
    async fn fetch_map(&self, job: &MapJob, config: &TileConfig) -> Result<(), String> {
        for &z in &config.zooms {
            let Some(block) = tiles::block(job.latitude, job.longitude, z) else {
                continue;
            };
            for (x, y) in block.tiles() {
                self.ensure_tile(job.message_rowid, z, x, y, config).await?;
            }
        }
        Ok(())
    }

    /// Links tile `z/x/y` to the message, fetching it only if it is not cached yet.
    async fn ensure_tile(
        &self,
        message_rowid: i64,
        z: u8,
        x: u32,
        y: u32,
        config: &TileConfig,
    ) -> Result<(), String> {
        let cached = self
            .db(move |store| {
                let path = media_jobs::cached_tile(store.conn(), z, x, y)?;
                match path {
                    Some(path) if Path::new(&path).is_file() => {
                        media_jobs::link_tile(store.conn(), message_rowid, z, x, y)?;
                        Ok(true)
                    }
                    // Recorded but gone from disk (someone cleaned the folder): fetch again.
                    Some(_) => media_jobs::forget_tile(store.conn(), z, x, y).map(|()| false),
                    None => Ok(false),
                }
            })
            .await
            .map_err(|e| e.to_string())?;
        if cached {
            return Ok(());
        }
        let bytes = self.fetch_tile(z, x, y, config).await?;
        let path = files::path_text(&self.dirs.tile_file(z, x, y));
        let now = self.now();
        self.db(move |store| {
            media_jobs::insert_tile(store.conn(), z, x, y, &path, bytes, now)?;
            media_jobs::link_tile(store.conn(), message_rowid, z, x, y)
        })
        .await
        .map_err(|e| e.to_string())?;
        self.count(|r| r.tiles_fetched += 1);
        Ok(())
    }

    /// Downloads one tile into the cache; returns its size.
    async fn fetch_tile(&self, z: u8, x: u32, y: u32, config: &TileConfig) -> Result<u64, String> {
        let url = tiles::tile_url(&config.url_template, z, x, y);
        let temp = self.dirs.tile_temp(z, x, y);
        let limits = Limits {
            size_cap: config.max_tile_bytes,
            stall: self.options.stall_timeout,
            attempt: self.options.attempt_timeout.min(TILE_ATTEMPT),
        };
        let fetched = download::fetch(&self.client, &url, &temp, limits, &mut |_, _| {})
            .await
            .map_err(|failure| match failure {
                Failure::Expired(e)
                | Failure::TooLarge(e)
                | Failure::Refused(e)
                | Failure::Retry(e) => {
                    format!("tile {z}/{x}/{y}: {e}")
                }
            })?;
        if !infer::is_image(&fetched.head) {
            // E.g. an HTML page from a captive portal or an error page served with 200.
            let _ = files::remove_if_present(&fetched.temp);
            return Err(format!(
                "tile {z}/{x}/{y}: the tile server sent something that is not an image"
            ));
        }
        let target = self.dirs.tile_file(z, x, y);
        let temp = fetched.temp.clone();
        tokio::task::spawn_blocking(move || files::commit(&temp, &target))
            .await
            .map_err(|e| e.to_string())?
            .map_err(|e| {
                let _ = files::remove_if_present(&fetched.temp);
                format!("tile {z}/{x}/{y}: could not save it: {e}")
            })?;
        Ok(fetched.bytes)
    }
}
