//! The queue state machine: pure data and rules, no HTTP, no I/O, time passed in explicitly.
//!
//! A message is *delayed* until its first `visible_at`, *visible* while `visible_at <= now`, and
//! *in flight* after a receive until `visible_at` (the NextVisibleTime) passes, when it becomes
//! visible again for redelivery. Every receive and every visibility change bumps the message's
//! generation, which invalidates all earlier receipt handles (spec §4.5, §4.8, §4.10).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::{Deserialize, Serialize};

use crate::error::ApiError;
use crate::receipt::{self, BadHandle, HandleRef};
use crate::xml::is_xml_text;

/// Queue attributes (spec §4.1) with the service's defaults.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueAttrs {
    pub delay_seconds: u32,
    pub maximum_message_size: u32,
    pub message_retention_period: u32,
    pub visibility_timeout: u32,
    pub polling_wait_seconds: u32,
    pub logging_enabled: bool,
}

impl Default for QueueAttrs {
    fn default() -> Self {
        Self {
            delay_seconds: 0,
            maximum_message_size: 65536,
            message_retention_period: 345_600,
            visibility_timeout: 30,
            polling_wait_seconds: 0,
            logging_enabled: false,
        }
    }
}

/// The attributes a CreateQueue / SetQueueAttributes body mentions.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AttrsPatch {
    pub delay_seconds: Option<i64>,
    pub maximum_message_size: Option<i64>,
    pub message_retention_period: Option<i64>,
    pub visibility_timeout: Option<i64>,
    pub polling_wait_seconds: Option<i64>,
    pub logging_enabled: Option<bool>,
}

impl AttrsPatch {
    /// `base` with this patch applied, every value range-checked.
    pub fn apply(&self, base: QueueAttrs) -> Result<QueueAttrs, ApiError> {
        let pick = |v: Option<i64>, cur: u32, name: &str, lo: i64, hi: i64, unit: &str| match v {
            None => Ok(cur),
            Some(v) => checked(v, name, lo, hi, unit),
        };
        Ok(QueueAttrs {
            delay_seconds: pick(
                self.delay_seconds,
                base.delay_seconds,
                "DelaySeconds",
                0,
                604_800,
                " seconds",
            )?,
            maximum_message_size: pick(
                self.maximum_message_size,
                base.maximum_message_size,
                "MaximumMessageSize",
                1024,
                65536,
                " bytes",
            )?,
            message_retention_period: pick(
                self.message_retention_period,
                base.message_retention_period,
                "MessageRetentionPeriod",
                60,
                604_800,
                " seconds",
            )?,
            visibility_timeout: pick(
                self.visibility_timeout,
                base.visibility_timeout,
                "VisibilityTimeout",
                1,
                43_200,
                " seconds",
            )?,
            polling_wait_seconds: pick(
                self.polling_wait_seconds,
                base.polling_wait_seconds,
                "PollingWaitSeconds",
                0,
                30,
                " seconds",
            )?,
            logging_enabled: self.logging_enabled.unwrap_or(base.logging_enabled),
        })
    }
}

/// Range check with the service's error wording.
pub fn checked(v: i64, name: &str, lo: i64, hi: i64, unit: &str) -> Result<u32, ApiError> {
    if (lo..=hi).contains(&v) {
        u32::try_from(v).map_err(|_| ApiError::out_of_range(name, lo, hi, unit))
    } else {
        Err(ApiError::out_of_range(name, lo, hi, unit))
    }
}

/// Queue names: letters, digits and `-`, starting with a letter or digit, at most 120 chars.
pub fn validate_queue_name(name: &str) -> Result<(), ApiError> {
    if name.is_empty() || name.len() > 120 {
        return Err(ApiError::new(
            400,
            "QueueNameLengthError",
            "Queue name length should between 1 and 120.",
        ));
    }
    let mut chars = name.chars();
    let first_ok = chars.next().is_some_and(|c| c.is_ascii_alphanumeric());
    if !first_ok || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
        return Err(ApiError::new(
            400,
            "InvalidQueueName",
            "The queue name you provided is invalid. QueueName should start with alpha and contain only alpha, digit or - .",
        ));
    }
    Ok(())
}

/// One SendMessage entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendRequest {
    pub body: String,
    pub delay_seconds: Option<i64>,
    pub priority: Option<i64>,
}

impl SendRequest {
    pub fn body(body: impl Into<String>) -> Self {
        Self {
            body: body.into(),
            delay_seconds: None,
            priority: None,
        }
    }
}

/// What SendMessage answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sent {
    pub message_id: String,
    pub body_md5: String,
}

/// A message as Receive (with handle and next visible time) or Peek (without) shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageView {
    pub message_id: String,
    pub receipt_handle: Option<String>,
    pub body_md5: String,
    pub body: String,
    pub enqueue_ms: i64,
    pub next_visible_ms: Option<i64>,
    /// 0 for a message that was never received.
    pub first_dequeue_ms: i64,
    pub dequeue_count: u32,
    pub priority: u8,
}

/// Counters for tests and the admin side-channel.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueStats {
    /// Receivable now.
    pub visible: u64,
    /// Received and not yet visible again.
    pub inflight: u64,
    /// Sent with a delay that has not passed yet.
    pub delayed: u64,
    /// Messages enqueued (client sends, admin sends; not fault duplicates).
    pub sent: u64,
    /// Deliveries (a redelivered message counts again).
    pub received: u64,
    pub deleted: u64,
    /// Copies enqueued by the `duplicate_rate` fault.
    #[serde(default)]
    pub duplicated: u64,
    /// Messages dropped because their retention period ended.
    #[serde(default)]
    pub expired: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct StoredMessage {
    key: u64,
    id: String,
    body: String,
    md5: String,
    priority: u8,
    enqueue_ms: i64,
    visible_at_ms: i64,
    first_dequeue_ms: i64,
    dequeue_count: u32,
    generation: u32,
}

impl StoredMessage {
    fn view(&self, handle: bool) -> MessageView {
        MessageView {
            message_id: self.id.clone(),
            receipt_handle: handle.then(|| {
                receipt::encode(HandleRef {
                    key: self.key,
                    generation: self.generation,
                })
            }),
            body_md5: self.md5.clone(),
            body: self.body.clone(),
            enqueue_ms: self.enqueue_ms,
            next_visible_ms: handle.then_some(self.visible_at_ms),
            first_dequeue_ms: self.first_dequeue_ms,
            dequeue_count: self.dequeue_count,
            priority: self.priority,
        }
    }
}

/// One queue.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Queue {
    name: String,
    attrs: QueueAttrs,
    create_time_s: i64,
    last_modify_time_s: i64,
    next_seq: u64,
    /// By send order, which is also the FIFO tie-breaker within a priority.
    messages: BTreeMap<u64, StoredMessage>,
    stats: QueueStats,
    /// Rebuilt after loading a snapshot ([`Queue::reindex`]).
    #[serde(skip)]
    index: Index,
}

/// Orders over `messages`, so that receive, delete and expiry cost O(log n) per message instead
/// of a scan of the whole queue (a backlog of 100,000 must not make every call slow).
#[derive(Debug, Clone, Default)]
struct Index {
    /// Handle key → send sequence number.
    by_key: HashMap<u64, u64>,
    /// Visible messages as of the last [`Queue::settle`]: `(priority, seq)`, i.e. receive order.
    ready: BTreeSet<(u8, u64)>,
    /// Delayed or in-flight messages: `(visible_at_ms, seq)`.
    hidden: BTreeSet<(i64, u64)>,
    /// Every message by `(enqueue_ms, seq)`: retention order.
    by_age: BTreeSet<(i64, u64)>,
}

impl Index {
    fn insert(&mut self, seq: u64, m: &StoredMessage) {
        self.by_key.insert(m.key, seq);
        self.hidden.insert((m.visible_at_ms, seq));
        self.by_age.insert((m.enqueue_ms, seq));
    }

    /// Takes a message out of the visibility orders (it is in one of them).
    fn unschedule(&mut self, seq: u64, m: &StoredMessage) {
        self.ready.remove(&(m.priority, seq));
        self.hidden.remove(&(m.visible_at_ms, seq));
    }

    fn remove(&mut self, seq: u64, m: &StoredMessage) {
        self.unschedule(seq, m);
        self.by_key.remove(&m.key);
        self.by_age.remove(&(m.enqueue_ms, seq));
    }
}

impl Queue {
    pub fn new(name: &str, attrs: QueueAttrs, now_ms: i64) -> Self {
        Self {
            name: name.to_string(),
            attrs,
            create_time_s: now_ms.div_euclid(1000),
            last_modify_time_s: now_ms.div_euclid(1000),
            next_seq: 1,
            messages: BTreeMap::new(),
            stats: QueueStats::default(),
            index: Index::default(),
        }
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn attrs(&self) -> QueueAttrs {
        self.attrs
    }

    pub fn create_time_s(&self) -> i64 {
        self.create_time_s
    }

    pub fn last_modify_time_s(&self) -> i64 {
        self.last_modify_time_s
    }

    pub fn set_attrs(&mut self, attrs: QueueAttrs, now_ms: i64) {
        self.attrs = attrs;
        self.last_modify_time_s = now_ms.div_euclid(1000);
    }

    /// Must be called after deserializing.
    pub fn reindex(&mut self) {
        self.index = Index::default();
        for (seq, m) in &self.messages {
            self.index.insert(*seq, m);
        }
    }

    /// Brings the queue to `now_ms`: drops expired messages and makes due ones visible.
    fn settle(&mut self, now_ms: i64) {
        self.purge_expired(now_ms);
        while let Some(&(at, seq)) = self.index.hidden.first() {
            if at > now_ms {
                break;
            }
            self.index.hidden.pop_first();
            if let Some(m) = self.messages.get(&seq) {
                self.index.ready.insert((m.priority, seq));
            }
        }
    }

    /// Checks one entry without enqueuing it (BatchSend reports entries separately).
    pub fn validate_send(&self, req: &SendRequest) -> Result<(), ApiError> {
        if req.body.is_empty() {
            return Err(ApiError::schema("MessageBody"));
        }
        let max = i64::from(self.attrs.maximum_message_size);
        let len = i64::try_from(req.body.len()).unwrap_or(i64::MAX);
        if len > max {
            return Err(ApiError::out_of_range("MessageBody size", 1, max, " bytes"));
        }
        if !is_xml_text(&req.body) {
            return Err(ApiError::invalid_argument(
                "The MessageBody contains characters that are not allowed in XML.",
            ));
        }
        if let Some(d) = req.delay_seconds {
            checked(d, "DelaySeconds", 0, 604_800, " seconds")?;
        }
        if let Some(p) = req.priority {
            checked(p, "Priority", 1, 16, "")?;
        }
        Ok(())
    }

    pub fn send(&mut self, req: &SendRequest, now_ms: i64) -> Result<Sent, ApiError> {
        self.validate_send(req)?;
        let delay = req
            .delay_seconds
            .map_or(i64::from(self.attrs.delay_seconds), |d| d);
        let priority = req.priority.and_then(|p| u8::try_from(p).ok()).unwrap_or(8);
        let sent = self.enqueue(req.body.clone(), priority, now_ms, now_ms + delay * 1000);
        self.stats.sent += 1;
        Ok(sent)
    }

    fn enqueue(&mut self, body: String, priority: u8, now_ms: i64, visible_at_ms: i64) -> Sent {
        let seq = self.next_seq;
        self.next_seq += 1;
        let mut key: u64 = rand::random();
        while self.index.by_key.contains_key(&key) {
            key = rand::random();
        }
        let id = format!("{key:016X}-1-{now_ms:X}-{seq:09}");
        let md5 = inlet_mns::sign::message_body_md5(&body);
        let sent = Sent {
            message_id: id.clone(),
            body_md5: md5.clone(),
        };
        let message = StoredMessage {
            key,
            id,
            body,
            md5,
            priority,
            enqueue_ms: now_ms,
            visible_at_ms,
            first_dequeue_ms: 0,
            dequeue_count: 0,
            generation: 0,
        };
        self.index.insert(seq, &message);
        self.messages.insert(seq, message);
        sent
    }

    /// Receives up to `max` visible messages, highest priority (smallest number) first, then in
    /// send order. `duplicate()` is asked once per delivered message; when it says yes a copy
    /// with a fresh MessageId is enqueued, as a producer that pushed twice would cause.
    pub fn receive(
        &mut self,
        max: usize,
        now_ms: i64,
        duplicate: &mut dyn FnMut() -> bool,
    ) -> Vec<MessageView> {
        self.settle(now_ms);
        let visibility_ms = i64::from(self.attrs.visibility_timeout) * 1000;
        let mut out = Vec::with_capacity(max.min(self.index.ready.len()));
        let mut copies = Vec::new();
        while out.len() < max {
            let Some((_, seq)) = self.index.ready.pop_first() else {
                break;
            };
            let Some(m) = self.messages.get_mut(&seq) else {
                continue;
            };
            self.index.hidden.insert((now_ms + visibility_ms, seq));
            m.dequeue_count += 1;
            m.generation = m.generation.wrapping_add(1);
            m.visible_at_ms = now_ms + visibility_ms;
            if m.first_dequeue_ms == 0 {
                m.first_dequeue_ms = now_ms;
            }
            out.push(m.view(true));
            if duplicate() {
                copies.push((m.body.clone(), m.priority));
            }
        }
        self.stats.received += out.len() as u64;
        for (body, priority) in copies {
            self.enqueue(body, priority, now_ms, now_ms);
            self.stats.duplicated += 1;
        }
        out
    }

    /// Up to `max` visible messages, unchanged.
    pub fn peek(&mut self, max: usize, now_ms: i64) -> Vec<MessageView> {
        self.settle(now_ms);
        self.index
            .ready
            .iter()
            .take(max)
            .filter_map(|(_, seq)| self.messages.get(seq))
            .map(|m| m.view(false))
            .collect()
    }

    pub fn delete(&mut self, handle: &str, now_ms: i64) -> Result<(), ApiError> {
        self.settle(now_ms);
        let seq = self.resolve(handle, now_ms)?;
        if let Some(m) = self.messages.remove(&seq) {
            self.index.remove(seq, &m);
        }
        self.stats.deleted += 1;
        Ok(())
    }

    /// Hides the message for `seconds` from now; returns the new handle and NextVisibleTime.
    pub fn change_visibility(
        &mut self,
        handle: &str,
        seconds: i64,
        now_ms: i64,
    ) -> Result<(String, i64), ApiError> {
        let seconds = checked(seconds, "VisibilityTimeout", 1, 43_200, " seconds")?;
        self.settle(now_ms);
        let seq = self.resolve(handle, now_ms)?;
        let m = self
            .messages
            .get_mut(&seq)
            .ok_or_else(ApiError::message_not_exist)?;
        self.index.unschedule(seq, m);
        m.generation = m.generation.wrapping_add(1);
        m.visible_at_ms = now_ms + i64::from(seconds) * 1000;
        self.index.hidden.insert((m.visible_at_ms, seq));
        let view = m.view(true);
        Ok((view.receipt_handle.unwrap_or_default(), m.visible_at_ms))
    }

    /// The in-flight message a handle names, if the handle is its latest and still valid.
    fn resolve(&self, handle: &str, now_ms: i64) -> Result<u64, ApiError> {
        let r = receipt::decode(handle).map_err(|e| match e {
            BadHandle::Garbage => ApiError::receipt_handle_error(),
            BadHandle::Foreign => ApiError::message_not_exist(),
        })?;
        let seq = *self
            .index
            .by_key
            .get(&r.key)
            .ok_or_else(ApiError::message_not_exist)?;
        let m = self
            .messages
            .get(&seq)
            .ok_or_else(ApiError::message_not_exist)?;
        let current =
            m.generation == r.generation && m.dequeue_count > 0 && m.visible_at_ms > now_ms;
        if current {
            Ok(seq)
        } else {
            Err(ApiError::message_not_exist())
        }
    }

    /// Drops messages older than the retention period (oldest first, so only those are read).
    pub fn purge_expired(&mut self, now_ms: i64) {
        let retention_ms = i64::from(self.attrs.message_retention_period) * 1000;
        while let Some(&(enqueued, seq)) = self.index.by_age.first() {
            if enqueued + retention_ms > now_ms {
                break;
            }
            self.index.by_age.pop_first();
            if let Some(m) = self.messages.remove(&seq) {
                self.index.remove(seq, &m);
                self.stats.expired += 1;
            }
        }
    }

    /// The next time (ms) a delayed or in-flight message becomes visible.
    pub fn next_visible_deadline(&self, now_ms: i64) -> Option<i64> {
        self.index
            .hidden
            .iter()
            .map(|(at, _)| *at)
            .find(|at| *at > now_ms)
    }

    pub fn stats(&self, now_ms: i64) -> QueueStats {
        let mut s = self.stats;
        (s.visible, s.inflight, s.delayed) = (0, 0, 0);
        let retention_ms = i64::from(self.attrs.message_retention_period) * 1000;
        for m in self
            .messages
            .values()
            .filter(|m| m.enqueue_ms + retention_ms > now_ms)
        {
            if m.visible_at_ms <= now_ms {
                s.visible += 1;
            } else if m.dequeue_count > 0 {
                s.inflight += 1;
            } else {
                s.delayed += 1;
            }
        }
        s
    }
}

/// All queues of the simulated account.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Broker {
    queues: BTreeMap<String, Queue>,
}

/// What CreateQueue did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Created {
    New,
    /// Already there with identical attributes (204).
    Unchanged,
}

impl Broker {
    pub fn create(
        &mut self,
        name: &str,
        patch: &AttrsPatch,
        now_ms: i64,
    ) -> Result<Created, ApiError> {
        validate_queue_name(name)?;
        let attrs = patch.apply(QueueAttrs::default())?;
        match self.queues.get(name) {
            Some(q) if q.attrs == attrs => Ok(Created::Unchanged),
            Some(_) => Err(ApiError::queue_already_exist()),
            None => {
                self.queues
                    .insert(name.to_string(), Queue::new(name, attrs, now_ms));
                Ok(Created::New)
            }
        }
    }

    pub fn delete(&mut self, name: &str) -> Result<(), ApiError> {
        self.queues
            .remove(name)
            .map(|_| ())
            .ok_or_else(ApiError::queue_not_exist)
    }

    pub fn get(&self, name: &str) -> Result<&Queue, ApiError> {
        self.queues.get(name).ok_or_else(ApiError::queue_not_exist)
    }

    pub fn get_mut(&mut self, name: &str) -> Result<&mut Queue, ApiError> {
        self.queues
            .get_mut(name)
            .ok_or_else(ApiError::queue_not_exist)
    }

    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.queues.keys().map(String::as_str)
    }

    /// Must be called after deserializing.
    pub fn reindex(&mut self) {
        self.queues.values_mut().for_each(Queue::reindex);
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::clock::Clock;

    fn never() -> impl FnMut() -> bool {
        || false
    }

    fn queue(clock: &Clock) -> Queue {
        Queue::new("q", QueueAttrs::default(), clock.now_ms())
    }

    #[test]
    fn receive_hides_then_redelivers_after_visibility_timeout() {
        let clock = Clock::new();
        let mut q = queue(&clock);
        let sent = q.send(&SendRequest::body("aGk="), clock.now_ms()).unwrap();
        assert_eq!(sent.body_md5, inlet_mns::sign::message_body_md5("aGk="));

        let first = q.receive(16, clock.now_ms(), &mut never());
        assert_eq!(first.len(), 1);
        assert_eq!(first[0].message_id, sent.message_id);
        assert_eq!(first[0].dequeue_count, 1);
        let first_dequeue = first[0].first_dequeue_ms;
        assert!(first_dequeue > 0);
        assert!(
            q.receive(16, clock.now_ms(), &mut never()).is_empty(),
            "in flight"
        );
        assert_eq!(q.stats(clock.now_ms()).inflight, 1);

        clock.advance(Duration::from_secs(31));
        let again = q.receive(16, clock.now_ms(), &mut never());
        assert_eq!(again.len(), 1);
        assert_eq!(again[0].dequeue_count, 2);
        assert_eq!(
            again[0].first_dequeue_ms, first_dequeue,
            "FirstDequeueTime stays"
        );
        assert_ne!(
            again[0].receipt_handle, first[0].receipt_handle,
            "new handle per receive"
        );

        let stale = first[0].receipt_handle.clone().unwrap();
        assert_eq!(
            q.delete(&stale, clock.now_ms()).unwrap_err().code,
            "MessageNotExist"
        );
        q.delete(again[0].receipt_handle.as_deref().unwrap(), clock.now_ms())
            .unwrap();
        let s = q.stats(clock.now_ms());
        assert_eq!(
            (s.visible, s.inflight, s.sent, s.received, s.deleted),
            (0, 0, 1, 2, 1)
        );
    }

    #[test]
    fn next_visible_time_is_receive_time_plus_visibility_timeout() {
        let clock = Clock::new();
        let mut q = queue(&clock);
        q.send(&SendRequest::body("x"), clock.now_ms()).unwrap();
        let now = clock.now_ms();
        let got = q.receive(1, now, &mut never());
        assert_eq!(got[0].next_visible_ms, Some(now + 30_000));
        assert_eq!(q.next_visible_deadline(now), Some(now + 30_000));
    }

    #[test]
    fn handle_expires_with_visibility_even_without_redelivery() {
        let clock = Clock::new();
        let mut q = queue(&clock);
        q.send(&SendRequest::body("x"), clock.now_ms()).unwrap();
        let h = q.receive(1, clock.now_ms(), &mut never())[0]
            .receipt_handle
            .clone()
            .unwrap();
        clock.advance(Duration::from_secs(30));
        assert_eq!(
            q.delete(&h, clock.now_ms()).unwrap_err().code,
            "MessageNotExist"
        );
        assert_eq!(q.stats(clock.now_ms()).visible, 1);
    }

    #[test]
    fn stale_versus_garbage_handles() {
        let clock = Clock::new();
        let mut q = queue(&clock);
        q.send(&SendRequest::body("x"), clock.now_ms()).unwrap();
        let h = q.receive(1, clock.now_ms(), &mut never())[0]
            .receipt_handle
            .clone()
            .unwrap();
        q.delete(&h, clock.now_ms()).unwrap();
        assert_eq!(
            q.delete(&h, clock.now_ms()).unwrap_err().code,
            "MessageNotExist",
            "already deleted"
        );
        for garbage in ["nonsense", "1-AAAA", ""] {
            let e = q.delete(garbage, clock.now_ms()).unwrap_err();
            assert_eq!(
                (e.status, e.code),
                (400, "ReceiptHandleError"),
                "{garbage:?}"
            );
        }
        let doc_example = "1-ODU4OTkzNDU5My0xNDMyNzI3ODI3LTItOA==";
        assert_eq!(
            q.delete(doc_example, clock.now_ms()).unwrap_err().code,
            "MessageNotExist"
        );
    }

    #[test]
    fn change_visibility_issues_new_handle_and_counts_from_now() {
        let clock = Clock::new();
        let mut q = queue(&clock);
        q.send(&SendRequest::body("x"), clock.now_ms()).unwrap();
        let h1 = q.receive(1, clock.now_ms(), &mut never())[0]
            .receipt_handle
            .clone()
            .unwrap();
        clock.advance(Duration::from_secs(20));
        let now = clock.now_ms();
        let (h2, next) = q.change_visibility(&h1, 60, now).unwrap();
        assert_eq!(next, now + 60_000);
        assert_ne!(h1, h2);
        assert_eq!(
            q.delete(&h1, now).unwrap_err().code,
            "MessageNotExist",
            "old handle is stale"
        );
        clock.advance(Duration::from_secs(45));
        assert!(
            q.receive(1, clock.now_ms(), &mut never()).is_empty(),
            "still hidden past the old 30 s"
        );
        assert_eq!(
            q.change_visibility(&h2, 0, clock.now_ms())
                .unwrap_err()
                .code,
            "InvalidArgument"
        );
        q.delete(&h2, clock.now_ms()).unwrap();
    }

    #[test]
    fn delay_priority_and_peek() {
        let clock = Clock::new();
        let mut q = queue(&clock);
        let now = clock.now_ms();
        q.send(
            &SendRequest {
                body: "late".into(),
                delay_seconds: Some(10),
                priority: None,
            },
            now,
        )
        .unwrap();
        q.send(
            &SendRequest {
                body: "low".into(),
                delay_seconds: None,
                priority: Some(16),
            },
            now,
        )
        .unwrap();
        q.send(
            &SendRequest {
                body: "high".into(),
                delay_seconds: None,
                priority: Some(1),
            },
            now,
        )
        .unwrap();
        let s = q.stats(now);
        assert_eq!((s.visible, s.delayed), (2, 1));
        assert_eq!(q.next_visible_deadline(now), Some(now + 10_000));

        let peeked = q.peek(16, now);
        assert_eq!(
            peeked.iter().map(|m| m.body.as_str()).collect::<Vec<_>>(),
            ["high", "low"]
        );
        assert_eq!(peeked[0].first_dequeue_ms, 0);
        assert!(peeked[0].receipt_handle.is_none());
        assert_eq!(q.peek(16, now).len(), 2, "peek changes nothing");

        let got = q.receive(1, now, &mut never());
        assert_eq!((got[0].body.as_str(), got[0].priority), ("high", 1));
        clock.advance(Duration::from_secs(10));
        let rest: Vec<String> = q
            .receive(16, clock.now_ms(), &mut never())
            .into_iter()
            .map(|m| m.body)
            .collect();
        assert_eq!(rest, ["late", "low"], "default priority 8 before 16");
    }

    #[test]
    fn send_limits() {
        let clock = Clock::new();
        let now = clock.now_ms();
        let mut q = Queue::new(
            "q",
            AttrsPatch {
                maximum_message_size: Some(1024),
                ..Default::default()
            }
            .apply(QueueAttrs::default())
            .unwrap(),
            now,
        );
        let bad = [
            SendRequest::body(""),
            SendRequest::body("x".repeat(1025)),
            SendRequest::body("bell\u{7}"),
            SendRequest {
                body: "x".into(),
                delay_seconds: Some(604_801),
                priority: None,
            },
            SendRequest {
                body: "x".into(),
                delay_seconds: Some(-1),
                priority: None,
            },
            SendRequest {
                body: "x".into(),
                delay_seconds: None,
                priority: Some(0),
            },
            SendRequest {
                body: "x".into(),
                delay_seconds: None,
                priority: Some(17),
            },
        ];
        for req in bad {
            assert_eq!(
                q.send(&req, now).unwrap_err().code,
                "InvalidArgument",
                "{req:?}"
            );
        }
        q.send(&SendRequest::body("x".repeat(1024)), now).unwrap();
        assert_eq!(q.stats(now).sent, 1);
    }

    #[test]
    fn retention_expiry() {
        let clock = Clock::new();
        let attrs = AttrsPatch {
            message_retention_period: Some(60),
            ..Default::default()
        }
        .apply(QueueAttrs::default())
        .unwrap();
        let mut q = Queue::new("q", attrs, clock.now_ms());
        q.send(&SendRequest::body("x"), clock.now_ms()).unwrap();
        clock.advance(Duration::from_secs(59));
        assert_eq!(q.peek(1, clock.now_ms()).len(), 1);
        clock.advance(Duration::from_secs(1));
        assert!(q.receive(1, clock.now_ms(), &mut never()).is_empty());
        assert_eq!(q.stats(clock.now_ms()).expired, 1);
    }

    #[test]
    fn duplicate_fault_enqueues_a_copy_with_a_new_id() {
        let clock = Clock::new();
        let mut q = queue(&clock);
        q.send(&SendRequest::body("once"), clock.now_ms()).unwrap();
        let first = q.receive(16, clock.now_ms(), &mut || true);
        assert_eq!(first.len(), 1);
        let copy = q.receive(16, clock.now_ms(), &mut || false);
        assert_eq!(copy.len(), 1);
        assert_eq!(copy[0].body, "once");
        assert_ne!(copy[0].message_id, first[0].message_id);
        assert_eq!(q.stats(clock.now_ms()).duplicated, 1);
    }

    #[test]
    fn create_is_idempotent_only_for_identical_attributes() {
        let mut b = Broker::default();
        let now = Clock::new().now_ms();
        let p = AttrsPatch {
            visibility_timeout: Some(30),
            polling_wait_seconds: Some(0),
            ..Default::default()
        };
        assert_eq!(b.create("TestQueue", &p, now), Ok(Created::New));
        assert_eq!(
            b.create("TestQueue", &AttrsPatch::default(), now),
            Ok(Created::Unchanged)
        );
        let other = AttrsPatch {
            visibility_timeout: Some(60),
            ..Default::default()
        };
        assert_eq!(
            b.create("TestQueue", &other, now).unwrap_err().code,
            "QueueAlreadyExist"
        );
        assert_eq!(
            b.create("-bad", &p, now).unwrap_err().code,
            "InvalidQueueName"
        );
        assert_eq!(
            b.create("bad_name", &p, now).unwrap_err().code,
            "InvalidQueueName"
        );
        assert_eq!(
            b.create(&"a".repeat(121), &p, now).unwrap_err().code,
            "QueueNameLengthError"
        );
        let range = AttrsPatch {
            polling_wait_seconds: Some(31),
            ..Default::default()
        };
        assert_eq!(
            b.create("other", &range, now).unwrap_err().code,
            "InvalidArgument"
        );
        b.delete("TestQueue").unwrap();
        assert_eq!(b.get("TestQueue").unwrap_err().code, "QueueNotExist");
    }

    #[test]
    fn snapshot_round_trip_keeps_handles_valid() {
        let clock = Clock::new();
        let mut b = Broker::default();
        b.create("q", &AttrsPatch::default(), clock.now_ms())
            .unwrap();
        let q = b.get_mut("q").unwrap();
        q.send(&SendRequest::body("a"), clock.now_ms()).unwrap();
        q.send(&SendRequest::body("b"), clock.now_ms()).unwrap();
        let h = q.receive(1, clock.now_ms(), &mut never())[0]
            .receipt_handle
            .clone()
            .unwrap();
        let json = serde_json::to_string(&b).unwrap();
        let mut loaded: Broker = serde_json::from_str(&json).unwrap();
        loaded.reindex();
        let q = loaded.get_mut("q").unwrap();
        q.delete(&h, clock.now_ms()).unwrap();
        assert_eq!(q.receive(16, clock.now_ms(), &mut never())[0].body, "b");
    }
}
