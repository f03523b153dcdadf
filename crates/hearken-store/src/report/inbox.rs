//! Department inboxes: listing by priority with keyset pages, and changes kept as an audit
//! trail in the same transaction as the change.

use std::collections::HashMap;

use super::{on_pool, sql};
use crate::model::now_micros;
use crate::{Store, StoreError, StoredMention};

/// Which inbox items to list.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct InboxQuery {
    /// Items this department owns or is concerned by; `None` lists every department's.
    pub department: Option<String>,
    /// The InboxStatus number; `None` for any.
    pub status: Option<i32>,
    pub min_priority: f64,
    pub after: Option<InboxCursor>,
    pub limit: u32,
}

/// Where the previous page of an inbox ended: priority descending, then mention id.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct InboxCursor {
    pub priority: f64,
    pub mention_id: i64,
}

impl InboxCursor {
    pub fn after(item: &InboxItemRecord) -> Self {
        Self {
            priority: item.priority,
            mention_id: item.mention.id,
        }
    }

    /// An opaque token; the priority's bits are kept exactly, so no item is skipped or
    /// repeated on a page boundary.
    pub fn encode(&self) -> String {
        format!("i{:x}.{}", self.priority.to_bits(), self.mention_id)
    }

    /// The cursor in a token from [`InboxCursor::encode`]; `None` for anything else.
    pub fn decode(token: &str) -> Option<Self> {
        let (bits, id) = token.strip_prefix('i')?.split_once('.')?;
        let priority = f64::from_bits(u64::from_str_radix(bits, 16).ok()?);
        if !priority.is_finite() {
            return None;
        }
        Some(Self {
            priority,
            mention_id: id.parse().ok()?,
        })
    }
}

/// One entry of an inbox item's audit trail.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct InboxEventRecord {
    pub actor: String,
    pub action: String,
    pub detail: String,
    /// Microseconds since the epoch.
    pub created_at: i64,
}

/// An inbox item with its mention (and through it every department it concerns) and history.
#[derive(Debug, Clone, PartialEq)]
pub struct InboxItemRecord {
    pub mention: StoredMention,
    pub owner_department: String,
    pub priority: f64,
    /// The InboxStatus number.
    pub status: i32,
    pub assignee: Option<String>,
    /// Oldest first.
    pub history: Vec<InboxEventRecord>,
}

/// A change to an inbox item by `actor`; `None` fields stay as they are.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InboxUpdate {
    pub mention_id: i64,
    pub actor: String,
    /// The InboxStatus number.
    pub status: Option<i32>,
    pub assignee: Option<String>,
    pub note: Option<String>,
}

/// The word for an InboxStatus number in the audit trail.
pub fn status_name(status: i32) -> &'static str {
    match status {
        1 => "open",
        2 => "assigned",
        3 => "done",
        _ => "unknown",
    }
}

/// An inbox row with its mention, read together.
#[derive(sqlx::FromRow)]
struct ItemRow {
    #[sqlx(flatten)]
    mention: StoredMention,
    #[sqlx(flatten)]
    state: ItemState,
}

/// What the inbox keeps of an item.
#[derive(sqlx::FromRow)]
struct ItemState {
    owner_department: String,
    priority: f64,
    inbox_status: i32,
    assignee: Option<String>,
}

/// Reads the inbox rows that `$rows` selects (as `mention_id, owner_department, priority,
/// inbox_status, assignee`) with their mentions, highest priority first.
macro_rules! items_with_mentions {
    ($rows:literal) => {
        concat!(
            "SELECT ",
            crate::flat::select_columns!(),
            ", i.owner_department, i.priority, i.inbox_status, i.assignee FROM (",
            $rows,
            ") i JOIN mentions m ON m.id = i.mention_id ORDER BY i.priority DESC, i.mention_id"
        )
    };
}

/// (mention id, actor, action, detail, created at).
type EventRow = (i64, String, String, String, i64);

impl Store {
    /// A page of inbox items, highest priority first, ties by mention id. A department sees
    /// the items it owns and those of other departments that concern it: the owner is always
    /// among a mention's departments, so one membership test covers both. It is a correlated
    /// `EXISTS`, so that the walk down `inbox_by_priority` probes each item and stops after a
    /// page; `IN (subquery)` under the `OR` made PostgreSQL test every item against the whole
    /// department.
    pub async fn inbox(&self, query: &InboxQuery) -> Result<Vec<InboxItemRecord>, StoreError> {
        let rows: Vec<ItemRow> = on_pool!(self, |pool| {
            sqlx::query_as(items_with_mentions!(
                "SELECT i.mention_id, i.owner_department, i.priority, i.status AS inbox_status, \
                 i.assignee FROM inbox_items i WHERE ($1 = '' OR EXISTS (SELECT 1 \
                 FROM mention_departments d WHERE d.mention_id = i.mention_id \
                 AND d.department = $1)) AND ($2 = 0 OR i.status = $2) AND i.priority >= $3 \
                 AND ($4 = 0 OR i.priority < $5 OR (i.priority = $5 AND i.mention_id > $6)) \
                 ORDER BY i.priority DESC, i.mention_id LIMIT $7"
            ))
            .bind(query.department.as_deref().unwrap_or(""))
            .bind(query.status.unwrap_or(0))
            .bind(query.min_priority)
            .bind(i32::from(query.after.is_some()))
            .bind(query.after.map_or(0.0, |c| c.priority))
            .bind(query.after.map_or(0, |c| c.mention_id))
            .bind(i64::from(query.limit))
            .fetch_all(pool)
            .await
            .map_err(StoreError::query("list an inbox"))?
        });
        self.complete_items(rows).await
    }

    /// One inbox item, if the mention has one.
    pub async fn inbox_item(&self, mention_id: i64) -> Result<Option<InboxItemRecord>, StoreError> {
        let rows: Vec<ItemRow> = on_pool!(self, |pool| {
            sqlx::query_as(items_with_mentions!(
                "SELECT mention_id, owner_department, priority, status AS inbox_status, \
                 assignee FROM inbox_items WHERE mention_id = $1"
            ))
            .bind(mention_id)
            .fetch_all(pool)
            .await
            .map_err(StoreError::query("read an inbox item"))?
        });
        Ok(self.complete_items(rows).await?.pop())
    }

    /// Applies a change and records each part of it (status, assignee, note) as an event by
    /// the actor, in one transaction. `None` when there is no such inbox item.
    pub async fn update_inbox_item(
        &self,
        update: &InboxUpdate,
    ) -> Result<Option<InboxItemRecord>, StoreError> {
        let now = now_micros();
        let found = on_pool!(self, |pool| {
            let mut tx = pool
                .begin()
                .await
                .map_err(StoreError::query("begin an inbox update"))?;
            // Writing first takes the row's lock (and SQLite's write lock) before reading it.
            let current: Option<(i32, Option<String>)> = sqlx::query_as(
                "UPDATE inbox_items SET updated_at = $2 WHERE mention_id = $1 \
                 RETURNING status, assignee",
            )
            .bind(update.mention_id)
            .bind(now)
            .fetch_optional(&mut *tx)
            .await
            .map_err(StoreError::query("lock an inbox item"))?;
            match current {
                None => false,
                Some((status, assignee)) => {
                    let mut events: Vec<(&str, String)> = Vec::new();
                    if let Some(new_status) = update.status.filter(|s| *s != status) {
                        sqlx::query("UPDATE inbox_items SET status = $2 WHERE mention_id = $1")
                            .bind(update.mention_id)
                            .bind(new_status)
                            .execute(&mut *tx)
                            .await
                            .map_err(StoreError::query("set an inbox item's status"))?;
                        let detail =
                            format!("{} → {}", status_name(status), status_name(new_status));
                        events.push(("status", detail));
                    }
                    if let Some(new_assignee) = update
                        .assignee
                        .as_ref()
                        .filter(|a| assignee.as_ref() != Some(*a))
                    {
                        sqlx::query("UPDATE inbox_items SET assignee = $2 WHERE mention_id = $1")
                            .bind(update.mention_id)
                            .bind(new_assignee)
                            .execute(&mut *tx)
                            .await
                            .map_err(StoreError::query("assign an inbox item"))?;
                        events.push(("assign", new_assignee.clone()));
                    }
                    if let Some(note) = &update.note {
                        events.push(("note", note.clone()));
                    }
                    for (action, detail) in events {
                        sqlx::query(
                            "INSERT INTO inbox_events (mention_id, actor, action, detail, \
                             created_at) VALUES ($1, $2, $3, $4, $5)",
                        )
                        .bind(update.mention_id)
                        .bind(&update.actor)
                        .bind(action)
                        .bind(detail)
                        .bind(now)
                        .execute(&mut *tx)
                        .await
                        .map_err(StoreError::query("record an inbox event"))?;
                    }
                    tx.commit()
                        .await
                        .map_err(StoreError::query("commit an inbox update"))?;
                    true
                }
            }
        });
        match found {
            true => self.inbox_item(update.mention_id).await,
            false => Ok(None),
        }
    }

    /// Adds each item's labels and history, keeping the rows' order.
    async fn complete_items(&self, rows: Vec<ItemRow>) -> Result<Vec<InboxItemRecord>, StoreError> {
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        let (mut mentions, states): (Vec<StoredMention>, Vec<ItemState>) =
            rows.into_iter().map(|row| (row.mention, row.state)).unzip();
        let ids: Vec<i64> = mentions.iter().map(|m| m.id).collect();
        let events: Vec<EventRow> = sql::inbox_events(&ids)
            .fetch_all(self, "read inbox history")
            .await?;
        match self {
            Store::Postgres(store) => store.attach_labels(&mut mentions).await?,
            Store::Sqlite(store) => store.attach_labels(&mut mentions).await?,
        }
        let mut history: HashMap<i64, Vec<InboxEventRecord>> = HashMap::new();
        for (id, actor, action, detail, created_at) in events {
            history.entry(id).or_default().push(InboxEventRecord {
                actor,
                action,
                detail,
                created_at,
            });
        }
        Ok(mentions
            .into_iter()
            .zip(states)
            .map(|(mention, state)| InboxItemRecord {
                history: history.remove(&mention.id).unwrap_or_default(),
                mention,
                owner_department: state.owner_department,
                priority: state.priority,
                status: state.inbox_status,
                assignee: state.assignee,
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::InboxCursor;

    #[test]
    fn cursor_round_trips_exactly_and_rejects_garbage() {
        let cursor = InboxCursor {
            priority: 0.1 + 0.2,
            mention_id: 7,
        };
        assert_eq!(InboxCursor::decode(&cursor.encode()), Some(cursor));
        assert_eq!(InboxCursor::decode("m1.2"), None);
        assert_eq!(InboxCursor::decode("izz.2"), None);
        assert_eq!(InboxCursor::decode("i7ff8000000000000.2"), None);
    }
}
